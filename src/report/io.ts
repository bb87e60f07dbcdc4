/** Reading and writing results.json (and the files rendered from it). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { ResultsFile } from './types.js';
import { resultsCsv } from './csv.js';
import { renderHtml } from './html.js';

/** Pretty-printed with a trailing newline; NaN (no samples) becomes null. */
export function serializeResults(r: ResultsFile): string {
  return JSON.stringify(r, null, 2) + '\n';
}

export function readResults(file: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read results (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON (${(e as Error).message})`, { file });
  }
  const r = v as Partial<ResultsFile>;
  for (const field of ['servesim', 'scenario', 'runs', 'input', 'sweep', 'wallclock'] as const) {
    if (r?.[field] === undefined) throw new InputError(`not a servesim results.json: missing '${field}'`, { file, field });
  }
  if (!Array.isArray(r.runs)) throw new InputError("'runs' must be a list", { file, field: 'runs' });
  return v as ResultsFile;
}

export interface WriteOptions {
  html?: boolean;
  csv?: boolean;
}

/** results.json, results.csv and report.html in `dir`; returns the paths written. */
export function writeOutputs(results: ResultsFile, dir: string, opts: WriteOptions = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    written.push(p);
  };
  put('results.json', serializeResults(results));
  if (opts.csv !== false) put('results.csv', resultsCsv(results));
  if (opts.html !== false) put('report.html', renderHtml(results));
  return written;
}
