/**
 * Metric paths and their meaning for comparisons: flattening nested metrics (`latency_ms.p99`),
 * which direction is better, and which metrics are the headline of a report.
 */
import type { Metrics, MetricValue } from '../metrics/types.js';

export type Direction = 'lower' | 'higher';

/** Nested metrics -> [path, value] in insertion order; null (NaN in JSON) reads as NaN. */
export function flattenMetrics(m: Metrics, prefix = ''): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(m)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out.push([path, v]);
    else if (v === null) out.push([path, NaN]);
    else if (typeof v === 'object') out.push(...flattenMetrics(v as Metrics, path));
  }
  return out;
}

/** A point of a time series (`batch_size.series.128`) rather than a summary statistic. */
export function isSeriesPath(path: string): boolean {
  return /(^|\.)series\./.test(path);
}

/** Value at a flattened path, NaN when absent. */
export function metricAt(m: Metrics, path: string): number {
  let cur: MetricValue | undefined | null = m;
  for (const seg of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return NaN;
    cur = (cur as Record<string, MetricValue>)[seg];
  }
  return typeof cur === 'number' ? cur : NaN;
}

const HIGHER = /(^|_)(per_s|attainment|hit_rate|covered_rate|hits?|precision|recall|exact|accuracy|goodput|speedup)($|_)/;
const LOWER = /(^|_)(ms|s|bytes|miss(es)?|miss_rate|bubbles?|stalls?|dropped|drops?|rejected|rejects?|stale|without|violations?|errors?|cost)($|_)/;

/**
 * Which way is better, from naming rules (docs/cli.md lists them): `_per_s`, hit rates, SLO
 * attainment, exact gate mass -> higher; `_ms`/`_s` times, bytes moved, misses, stalls, drops,
 * rejections, stale/without-LoRA steps -> lower; anything else (counts, busy fractions) -> none.
 * The leaf decides first (`requests.rejected`), then its parents (`latency_ms.p99`).
 */
export function metricDirection(path: string, overrides: { lower?: readonly string[]; higher?: readonly string[] } = {}): Direction | null {
  if (overrides.lower?.includes(path)) return 'lower';
  if (overrides.higher?.includes(path)) return 'higher';
  const segs = path.split('.').reverse();
  for (const seg of segs) {
    if (/(busy|util)/.test(seg)) return null;
    if (HIGHER.test(seg)) return 'higher';
    if (LOWER.test(seg)) return 'lower';
    // Counts and quantiles carry no direction of their own: look at the parent.
    if (!/^(mean|p\d+|max|min|median|avg|value)$/.test(seg)) return null;
  }
  return null;
}

/** Preferred headline metrics across the three systems, in display order. */
const PREFERRED = [
  'latency_ms.mean',
  'latency_ms.p50',
  'latency_ms.p99',
  'tpot_ms.mean',
  'tpot_ms.p99',
  'tokens_per_s',
  'throughput_per_s',
  'slo_attainment',
  'hit_rate',
  'gate_mass.exact',
];

/** The metrics a report leads with: the scenario's `report.metrics`, else preferred ones present. */
export function headlineMetrics(paths: readonly string[], configured?: readonly string[]): string[] {
  if (configured && configured.length > 0) return configured.filter((m) => paths.includes(m));
  const present = PREFERRED.filter((m) => paths.includes(m)).slice(0, 6);
  for (const p of paths) {
    if (present.length >= 3) break;
    if (!present.includes(p) && metricDirection(p) !== null && !/\.(max|min)$/.test(p)) present.push(p);
  }
  return present;
}

/** Shortest readable form of a number for tables: 4 significant digits, no exponent under 1e6. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}
