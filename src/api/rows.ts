/**
 * results.json -> flat rows, one per run (sweep point x policy), ready for a vega-lite `data`
 * block or a table. Column names avoid dots, which vega-lite reads as nested access:
 *  - `policy` (the label) and `point` (the sweep point's index);
 *  - each sweep key by its last segment (`policy.cache_experts` -> `cache_experts`), or the whole
 *    key with dots as underscores when two keys share a last segment;
 *  - each metric path with dots as underscores (`latency_ms.p95` -> `latency_ms_p95`).
 */
import { InputError } from '../errors.js';
import { metricAt } from '../report/metrics.js';
import type { ResultsFile } from '../report/types.js';

export type Row = Record<string, string | number | unknown>;

export function columnOf(path: string): string {
  return path.replace(/\./g, '_');
}

/** Column name per sweep key. */
export function paramColumns(keys: readonly string[]): Record<string, string> {
  const last = (k: string) => k.split('.').pop()!;
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = keys.filter((o) => last(o) === last(k)).length > 1 ? columnOf(k) : last(k);
  return out;
}

/** One row per run with its policy, sweep values and the given metrics (NaN where a run lacks one). */
export function runRows(results: ResultsFile, metrics: readonly string[]): Row[] {
  const params = paramColumns(results.sweep.keys);
  const taken = new Set(['policy', 'point', ...Object.values(params)]);
  for (const m of metrics) {
    if (taken.has(columnOf(m))) throw new InputError(`runRows: metric '${m}' would overwrite the column '${columnOf(m)}'`);
  }
  return results.runs.map((run) => {
    const row: Row = { policy: run.policy, point: run.point };
    for (const [key, col] of Object.entries(params)) row[col] = run.params[key];
    for (const m of metrics) row[columnOf(m)] = metricAt(run.metrics, m);
    return row;
  });
}
