/**
 * results.csv: tidy, one row per (sweep point, policy, metric), ready for pandas/R:
 *   point,<sweep keys...>,policy,metric,value,ci95,lo,hi,n
 * `value` is the mean over replications; the interval columns are empty with one replication.
 */
import { csvCell } from '../workloads/csv.js';
import { flattenMetrics } from './metrics.js';
import type { ResultsFile } from './types.js';

export function resultsCsv(results: ResultsFile): string {
  const keys = results.sweep.keys;
  const lines = [['point', ...keys, 'policy', 'metric', 'value', 'ci95', 'lo', 'hi', 'n'].map(csvCell).join(',')];
  for (const run of results.runs) {
    const params = keys.map((k) => cell(run.params[k]));
    for (const [metric, value] of flattenMetrics(run.metrics)) {
      const ci = run.intervals?.[metric];
      lines.push(
        [String(run.point), ...params, csvCell(run.policy), csvCell(metric), num(value), num(ci?.ci95), num(ci?.lo), num(ci?.hi), String(ci?.n ?? run.replications.length)].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

function num(x: number | null | undefined): string {
  return x === undefined || x === null || Number.isNaN(x) ? '' : String(x);
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  return csvCell(typeof v === 'object' ? JSON.stringify(v) : String(v));
}
