/**
 * Two CSV views of results.json, both ready for pandas/polars/R:
 *  - results.csv, a flat summary, one row per run (sweep point x policy):
 *      point,<sweep keys...>,policy,replications,status,<metric paths...>,<headline>_lo,<headline>_hi
 *    every summary metric (latency_ms.p50/p90/p95/p99/mean/max, throughput, ...) is a column holding
 *    the mean over replications; the 95% interval bounds follow for the headline metrics (empty
 *    with one replication); `status` is `stable` or `saturated k/n` (src/metrics/saturation.ts);
 *  - results-long.csv, tidy, one row per (sweep point, policy, metric):
 *      point,<sweep keys...>,policy,metric,value,ci95,lo,hi,n
 */
import { csvCell } from '../workloads/csv.js';
import { flattenMetrics, isSeriesPath, metricAt } from './metrics.js';
import { saturationOf } from './status.js';
import type { ResultsFile } from './types.js';

export function resultsCsv(results: ResultsFile): string {
  const keys = results.sweep.keys;
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const run of results.runs) {
    for (const [p] of flattenMetrics(run.metrics)) {
      if (!seen.has(p) && !isSeriesPath(p)) {
        seen.add(p);
        paths.push(p);
      }
    }
  }
  const headline = results.headline.map((h) => h.metric);
  const sat = saturationOf(results);
  const header = ['point', ...keys, 'policy', 'replications', 'status', ...paths, ...headline.flatMap((m) => [`${m}_lo`, `${m}_hi`])];
  const lines = [header.map(csvCell).join(',')];
  for (const run of results.runs) {
    const s = sat.get(run);
    const status = s && s.saturated > 0 ? `saturated ${s.saturated}/${s.replications}` : 'stable';
    const bounds = headline.flatMap((m) => {
      const ci = run.intervals?.[m];
      return ci && ci.n > 1 ? [num(ci.lo), num(ci.hi)] : ['', ''];
    });
    lines.push([String(run.point), ...keys.map((k) => cell(run.params[k])), csvCell(run.policy), String(run.replications.length), status, ...paths.map((p) => num(metricAt(run.metrics, p))), ...bounds].join(','));
  }
  return lines.join('\n') + '\n';
}

export function resultsLongCsv(results: ResultsFile): string {
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
