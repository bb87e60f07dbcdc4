/** Reading and writing results.json (and the files rendered from it). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { jsonSyntaxError, parseJson } from '../json-text.js';
import type { ResultsFile } from './types.js';
import { resultsCsv, resultsLongCsv } from './csv.js';
import { focusPoint } from './specs.js';
import { renderHtml } from './html.js';

/** An object or array whose JSON is at most this long goes on one line (rows of series, intervals). */
const INLINE = 120;

/**
 * Indented like JSON.stringify(r, null, 2), except that small objects and arrays sit on one line:
 * a CDF point or a utilisation row is one line, not five. NaN (no samples) becomes null.
 */
export function serializeResults(r: ResultsFile): string {
  return pretty(JSON.parse(JSON.stringify(r)), '') + '\n';
}

function pretty(v: unknown, indent: string): string {
  const flat = JSON.stringify(v);
  if (v === null || typeof v !== 'object' || flat.length <= INLINE) return flat;
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + pretty(x, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`).join(',\n')}\n${indent}}`;
}

/**
 * Per-run detail that only the report's focus point needs: by default (`samples: 'summary'`) the
 * utilisation series of runs at other sweep points are left out of results.json (the report
 * charts only the focus point's); `samples: 'all'` keeps every run's.
 */
export function summarised(r: ResultsFile, samples: 'summary' | 'all' = 'summary'): ResultsFile {
  if (samples === 'all') return r;
  const focus = focusPoint(r);
  return { ...r, runs: r.runs.map((run) => (run.point === focus || run.utilisation.length === 0 ? run : { ...run, utilisation: [] })) };
}

export function readResults(file: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read results (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  // One line with the place (JSON.parse's own message spans lines and, in older V8, has none).
  if (/\.ya?ml$/i.test(file) && jsonSyntaxError(text)) {
    throw new InputError('not a results.json: this is YAML, not JSON (a scenario? run it first, `servesim run FILE`, then report the results.json it writes)', { file });
  }
  const v = parseJson(text, file, { prefix: 'not a results.json: ' });
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
  /** 'summary' (default): utilisation series only at the report's focus point; 'all': every run's. */
  samples?: 'summary' | 'all';
}

/** results.json, results.csv, results-long.csv and report.html in `dir`; returns the paths written. */
export function writeOutputs(results: ResultsFile, dir: string, opts: WriteOptions = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    written.push(p);
  };
  put('results.json', serializeResults(summarised(results, opts.samples)));
  if (opts.csv !== false) {
    put('results.csv', resultsCsv(results));
    put('results-long.csv', resultsLongCsv(results));
  }
  if (opts.html !== false) put('report.html', renderHtml(results));
  return written;
}
