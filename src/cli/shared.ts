/**
 * What every command shares: the global flags, printing (human text or --json), the exit-code
 * rules (bad input -> 2 with one line per problem, interrupted -> 130, bug -> 1 with the stack
 * under --debug) and the progress bar.
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { ConfigError, InputError, isUserError } from '../errors.js';
import type { Progress } from '../scenario/runner.js';
import { EtaEstimator, progressStatus } from './progress.js';

export interface GlobalArgs {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** A command-line usage problem (unknown flag, missing argument): bad input, exit 2. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** interrupted: SIGINT (128 + 2); terminated: SIGTERM (128 + 15), as shells report them. */
export const EXIT = { ok: 0, bug: 1, input: 2, interrupted: 130, terminated: 143 } as const;

/** Print an error the way the CLI promises; returns the exit code. */
export function reportError(e: unknown, debug: boolean): number {
  // stdout closed by its reader (`| head`) during a synchronous write (trace gen --out -).
  if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') return EXIT.ok;
  if (isUserError(e)) {
    // One line per problem; a usage hint rides on the same line, so one problem is one line.
    const lines = e.message.split('\n');
    if (e instanceof UsageError) lines[lines.length - 1] += ' (see --help for usage)';
    for (const line of lines) process.stderr.write(`servesim: error: ${line}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return EXIT.input;
  }
  if ((e as { name?: string })?.name === 'AbortError') {
    process.stderr.write('servesim: interrupted\n');
    return EXIT.interrupted;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`servesim: internal error (${err.name}): ${err.message.split('\n')[0]}\n`);
  if (debug) process.stderr.write((err.stack ?? '') + '\n');
  else process.stderr.write('servesim: this is a bug in servesim or a system model; rerun with --debug for the stack trace\n');
  return EXIT.bug;
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

export function printLine(s = ''): void {
  process.stdout.write(s + '\n');
}

/** Positive integer flag, or a one-line InputError naming it. */
export function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() === '' ? NaN : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a positive integer, got '${String(v)}'`);
  return n;
}

/** An integer flag >= 0 (an index), or a one-line UsageError naming it; `what` says what it indexes. */
export function nonNegativeInt(v: unknown, flag: string, what = 'an integer >= 0'): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() === '' ? NaN : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects ${what}, got '${String(v)}'`);
  return n;
}

/** A seed: an integer 0 <= n < 2^31 (what the scenario schema accepts). */
export function seedFlag(v: unknown, flag = '--seed'): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() === '' ? NaN : Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new UsageError(`${flag} expects an integer from 0 to ${2 ** 31 - 1}, got '${String(v)}'`);
  return n;
}

/** A path-like flag given with an empty value (`--out ''`). */
export function nonEmpty(v: string | undefined, flag: string): void {
  if (v !== undefined && v.trim() === '') throw new UsageError(`${flag} expects a path, got ''`);
}

/** A number flag (>= min), or a one-line UsageError naming it. */
export function numberFlag(v: unknown, flag: string, min = -Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag} expects a number${min > -Infinity ? ` >= ${min}` : ''}, got '${String(v)}'`);
  return n;
}

export function positiveNumber(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() === '' ? NaN : Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag} expects a positive number, got '${String(v)}'`);
  return n;
}

/** Progress on stderr, only on a terminal and without --quiet, and only once a run passes 1 s. */
// Required when a bar is first drawn: most runs (quiet, piped, under 1 s) never draw one.
const requireCjs = createRequire(import.meta.url);

export class ProgressBar {
  private bar?: cliProgress.SingleBar;
  private readonly t0 = Date.now();
  private readonly enabled: boolean;
  private readonly eta = new EtaEstimator();

  constructor(args: GlobalArgs, private readonly label: string) {
    this.enabled = !args.quiet && !args.json && process.stderr.isTTY === true;
  }

  update(p: Progress): void {
    if (!this.enabled) return;
    const now = Date.now();
    this.eta.update(now, p.fraction);
    if (!this.bar) {
      if (now - this.t0 < 1000 || p.done >= p.total) return;
      const bars = requireCjs('cli-progress') as typeof cliProgress;
      // Only our own payload token: cli-progress's built-in {total}, {value} and {eta} are its
      // 0-1000 scale and its own estimate (see progress.ts).
      this.bar = new bars.SingleBar(
        {
          stream: process.stderr,
          format: `${this.label} |{bar}| {percentage}% | {status}`,
          hideCursor: true,
          clearOnComplete: true,
          fps: 5,
        },
        bars.Presets.shades_classic,
      );
      this.bar.start(1000, Math.round(p.fraction * 1000), { status: progressStatus(p, this.eta.remaining(now)) });
    }
    this.bar.update(Math.round(p.fraction * 1000), { status: progressStatus(p, this.eta.remaining(now)) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

export function note(args: GlobalArgs, s: string): void {
  if (!args.quiet) process.stderr.write(s + '\n');
}

export { ConfigError, InputError };
