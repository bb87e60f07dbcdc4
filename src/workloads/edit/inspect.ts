/**
 * `trace inspect` statistics for an edit trace, computed in one streaming pass: arrival rate and
 * burstiness (coefficient of variation of the gaps: 1 for Poisson, > 1 bursty), template skew
 * (share of the most popular template and a Zipf exponent fitted to the rank-frequency curve),
 * and the mask-ratio distribution.
 */
import { linearRegression } from 'simple-statistics';
import { Samples } from '../../metrics/summary.js';
import type { TraceStats } from '../types.js';
import { readEditTrace } from './read.js';

export async function inspectEditTrace(file: string): Promise<TraceStats> {
  const masks = new Samples();
  const templates = new Map<string, number>();
  const models = new Map<string, number>();
  let rows = 0;
  let first = 0;
  let last = 0;
  let prev = NaN;
  // Welford over interarrival gaps.
  let gaps = 0;
  let gapMean = 0;
  let gapM2 = 0;
  let stepsSum = 0;
  let stepsRows = 0;
  for await (const r of readEditTrace(file)) {
    if (rows === 0) first = r.arrival;
    last = r.arrival;
    if (!Number.isNaN(prev)) {
      const g = r.arrival - prev;
      gaps++;
      const d = g - gapMean;
      gapMean += d / gaps;
      gapM2 += d * (g - gapMean);
    }
    prev = r.arrival;
    rows++;
    masks.add(r.maskRatio);
    templates.set(r.template, (templates.get(r.template) ?? 0) + 1);
    if (r.model !== undefined) models.set(r.model, (models.get(r.model) ?? 0) + 1);
    if (r.steps !== undefined) {
      stepsSum += r.steps;
      stepsRows++;
    }
  }
  const span = last - first;
  const gapSd = gaps > 1 ? Math.sqrt(gapM2 / (gaps - 1)) : NaN;
  const counts = [...templates.values()].sort((a, b) => b - a);
  const q = masks.summary();
  const out: TraceStats = {
    rows,
    duration_s: round(span),
    rate_per_s: round(span > 0 ? (rows - 1) / span : NaN),
    interarrival_cv: round(gapMean > 0 ? gapSd / gapMean : NaN),
    templates: templates.size,
    top_template_share: round(rows ? (counts[0] ?? 0) / rows : NaN),
    top10pct_templates_share: round(rows ? counts.slice(0, Math.max(1, Math.ceil(counts.length / 10))).reduce((a, b) => a + b, 0) / rows : NaN),
    template_zipf_s: round(zipfExponent(counts)),
    mask_mean: round(q.mean),
    mask_p50: round(q.p50),
    mask_p95: round(q.p95),
    mask_min: round(q.min),
    mask_max: round(q.max),
  };
  if (stepsRows > 0) out.steps_mean = round(stepsSum / stepsRows);
  if (models.size > 0) out.models = [...models.entries()].map(([m, n]) => `${m}:${n}`).join('|');
  return out;
}

/** Slope of log(frequency) on log(rank), negated: the Zipf exponent s of a rank-frequency curve. */
export function zipfExponent(countsDescending: number[]): number {
  const pts = countsDescending.filter((c) => c > 0).map((c, i) => [Math.log(i + 1), Math.log(c)]);
  if (pts.length < 2) return NaN;
  return -linearRegression(pts).m;
}

function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}
