/**
 * Output folders of `servesim run`: the default one is named after the scenario file, and a
 * folder that already holds something is never overwritten silently (refused unless --force, or
 * --resume continuing the run that is in it). Checked before anything runs, so a refusal costs
 * nothing; every refusal is one line, exit 2.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
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
  // The nearest part of the path that exists must be a writable folder.
  let probe = resolve(dir);
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const st = statSync(probe);
  if (!st.isDirectory()) {
    const at = probe === resolve(dir) ? '' : ` (${probe} is)`;
    throw new InputError(`${what} ${dir} is a file, not a folder${at}; name a folder for the results (e.g. --out out/my-run)`);
  }
  try {
    accessSync(probe, constants.W_OK);
  } catch {
    throw new InputError(`${what} ${dir}: cannot write to ${probe} (permission denied); choose another --out`);
  }
  if (probe !== resolve(dir) || opts.force || opts.resume) return;
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  const resumable = entries.includes('checkpoint.jsonl') ? ', or --resume to finish the interrupted run in it' : '';
  const sorted = entries.sort();
  const holds = sorted.includes('results.json') ? 'results.json' : sorted[0]!;
  const more = entries.length > 1 ? ` and ${entries.length - 1} more` : '';
  throw new InputError(`${what} ${dir} is not empty (it holds ${holds}${more}); pass --force to overwrite it, or choose another --out${resumable}`);
}
