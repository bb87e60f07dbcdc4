/**
 * Output folders of `servesim run`: the default one is named after the scenario file, and a
 * folder that already holds something is never overwritten silently (refused unless --force, or
 * --resume continuing the run that is in it). Checked before anything runs, so a refusal costs
 * nothing; every refusal is one line, exit 2.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Shard } from '../scenario/plan.js';
import { InputError } from '../errors.js';

/** `out/<scenario file name without .yaml/.yml/.json>[/shard-I-of-N]`. */
export function defaultOutDir(scenarioFile: string, shard?: Shard): string {
  const name = basename(scenarioFile).replace(/\.(ya?ml|json)$/i, '') || 'scenario';
  return join('out', name, ...(shard ? [`shard-${shard.index}-of-${shard.count}`] : []));
}

export interface OutDirOptions {
  /** --force: write into a non-empty folder, replacing servesim's files there. */
  force?: boolean;
  /** --resume: the folder is expected to hold the interrupted run. */
  resume?: boolean;
  /** How the folder was chosen, for the message ('--out' or 'the default output folder'). */
  flag?: string;
}

/**
 * Throws an InputError when `dir` cannot or must not be written: it (or a folder above it) is a
 * file, it is not writable, or it is not empty and neither --force nor --resume was given.
 */
export function checkOutDir(dir: string, opts: OutDirOptions = {}): void {
  const what = opts.flag ?? '--out';
  const probe = writableFolder(dir, what, 'name a folder for the results (e.g. --out out/my-run)');
  if (probe !== resolve(dir) || opts.force || opts.resume) return;
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  const resumable = entries.includes('checkpoint.jsonl') ? ', or --resume to finish the interrupted run in it' : '';
  const sorted = entries.sort();
  const holds = sorted.includes('results.json') ? 'results.json' : sorted[0]!;
  const more = entries.length > 1 ? ` and ${entries.length - 1} more` : '';
  throw new InputError(`${what} ${dir} is not empty (it holds ${holds}${more}); pass --force to overwrite it, or choose another --out${resumable}`);
}

/** The nearest part of `path` that exists (the part an output would be created under). */
function nearestExisting(path: string): string {
  let probe = resolve(path);
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  return probe;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nearest part of `dir` that exists, which must be a writable folder (the rest is created);
 * an InputError naming `flag` otherwise.
 */
function writableFolder(dir: string, flag: string, hint: string): string {
  const probe = nearestExisting(dir);
  if (!statSync(probe).isDirectory()) {
    const at = probe === resolve(dir) ? '' : ` (${probe} is)`;
    throw new InputError(`${flag} ${dir} is a file, not a folder${at}; ${hint}`);
  }
  if (!writable(probe)) throw new InputError(`${flag} ${dir}: cannot write to ${probe} (permission denied); choose another ${flag.startsWith('--') ? flag : '--out'}`);
  return probe;
}

/**
 * An output folder that may already hold files (--png, merge --out): refused before any work
 * when it, or a folder above it, is a file or is not writable.
 */
export function checkOutFolder(dir: string, flag: string, example = 'out/charts'): void {
  writableFolder(dir, flag, `name a folder (e.g. ${flag} ${example})`);
}

/**
 * An output file (--timeline, report --out, fit --out): refused before any work when it is a
 * folder, when the folder it goes in cannot be made or written, or when it is one of `inputs`
 * (writing it would destroy the input).
 */
export function checkOutFile(file: string, flag: string, inputs: readonly string[] = []): void {
  const full = resolve(file);
  if (existsSync(full) && statSync(full).isDirectory()) throw new InputError(`${flag} ${file} is a folder, not a file; name a file`);
  if (inputs.some((i) => resolve(i) === full)) throw new InputError(`${flag} ${file} is an input of this command; writing it would replace it, so name another file`);
  const probe = nearestExisting(existsSync(full) ? full : dirname(full));
  if (probe !== full && !statSync(probe).isDirectory()) throw new InputError(`${flag} ${file}: ${probe} is a file, not a folder; name a file in a folder`);
  if (!writable(probe)) throw new InputError(`${flag} ${file}: cannot write to ${probe} (permission denied); choose another ${flag}`);
}

/** Write `data` to `file` (making its folder), a failure being an InputError naming the file. */
export function writeOutFile(file: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  } catch (e) {
    throw new InputError(`cannot write the output (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}
