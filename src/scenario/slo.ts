/**
 * Service-level objectives over result metrics: `latency_ms.p99<=2000`, `slo_attainment>=0.99`,
 * `tpot_ms.p99<150`. A run meets a list of SLOs when every one holds on its metrics; a metric that
 * is absent or NaN (no completed requests) never meets one.
 */
import { InputError } from '../errors.js';
import { flattenMetrics, metricAt } from '../report/metrics.js';
import type { Metrics } from '../metrics/types.js';

export type SloOp = '<=' | '<' | '>=' | '>';

export interface Slo {
  /** Flattened metric path (`latency_ms.p99`). */
  metric: string;
  op: SloOp;
  threshold: number;
  /** As written, normalised: `latency_ms.p99<=2000`. */
  text: string;
}

const SLO_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

/** Parse one `METRIC OP VALUE`; a bad string is a one-line InputError naming the flag. */
export function parseSlo(text: string, flag = '--slo'): Slo {
  const m = SLO_RE.exec(text);
  if (!m) {
    throw new InputError(`${flag} expects METRIC OP VALUE with OP one of <=, <, >=, > (e.g. 'latency_ms.p99<=2000'), got '${text}'`);
  }
  const threshold = Number(m[3]);
  if (!Number.isFinite(threshold)) throw new InputError(`${flag} '${text}': the value must be a finite number`);
  const op = m[2] as SloOp;
  return { metric: m[1]!, op, threshold, text: `${m[1]}${op}${m[3]}` };
}

export function holds(value: number, slo: Slo): boolean {
  if (Number.isNaN(value)) return false;
  switch (slo.op) {
    case '<=':
      return value <= slo.threshold;
    case '<':
      return value < slo.threshold;
    case '>=':
      return value >= slo.threshold;
    case '>':
      return value > slo.threshold;
  }
}

export function meetsAll(metrics: Metrics, slos: readonly Slo[]): boolean {
  return slos.every((s) => holds(metricAt(metrics, s.metric), s));
}

/** Metric paths named by SLOs (or `--metric`) that a run's metrics do not have, with what it has. */
export function checkMetricPaths(metrics: Metrics, paths: readonly string[], flag: string): void {
  const present = new Set(flattenMetrics(metrics).map(([p]) => p));
  const missing = paths.find((p) => !present.has(p));
  if (missing === undefined) return;
  const list = [...present].filter((p) => !/\.series\./.test(p));
  const shown = list.slice(0, 30).join(', ') + (list.length > 30 ? ', ...' : '');
  throw new InputError(`${flag}: this system reports no metric '${missing}' (metrics: ${shown})`);
}
