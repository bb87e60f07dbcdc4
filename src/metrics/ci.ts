/**
 * Confidence intervals over replications, chosen by what the metric is:
 *  - means of unbounded quantities (latency means, throughput): mean +/- t_{0.975, n-1} s / sqrt(n);
 *  - bounded fractions (SLO attainment, hit rates, busy fractions, gate mass) and latency
 *    percentiles: a seeded percentile bootstrap of the mean over replications, which never leaves
 *    the range the replications span (so never below 0 or above 1) and is asymmetric where the
 *    data are (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13);
 * and the paired difference of two policies run on the same seeds (common random numbers make
 * pairing valid), on the scale the metric lives on:
 *  - positive metrics (means and percentiles alike): the relative difference b/a - 1 as the
 *    t-interval of the mean paired log-ratio log(b_i/a_i), mapped back by exp - 1. It cannot reach
 *    below -100%, which the t-interval of b - a divided by mean(a) does with few replications, and
 *    a ratio is what a relative claim is about;
 *  - fractions: the absolute difference b - a in points, t-interval cut to [-1, 1] (where the
 *    difference of two fractions lies);
 *  - a zero or near-zero base (|relative| beyond MAX_RELATIVE) or values <= 0: the absolute
 *    difference, t-interval.
 * Not the bootstrap for these tests, percentiles and fractions included: over 3-10 replications a
 * percentile bootstrap of a mean is too narrow (its spread is sqrt((n-1)/n) s/sqrt(n), read with
 * normal rather than t quantiles, and replications that all agree in sign give resamples that all
 * do), so it calls equal policies different far more often than 5%: 25% of the time with 3
 * replications, 15% with 5, 10% with 10 (simulated, normal log-ratios, 2000 trials each; the
 * 3-replication case is rerun in test/metrics/ci.test.ts), where the t-interval of the log-ratio
 * stays at 5%. With fewer than 5 replications a bootstrap interval is
 * close to [min, max] of the replications: read it as their spread, not as a precise interval.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { Rng } from '../engine/rng.js';
import { stdlib } from '../engine/stdlib.js';
import { quantileSorted } from './summary.js';

// Loaded on first use (engine/stdlib.ts).
let tQuantileFn: ((p: number, dof: number) => number) | undefined;
function tQuantile(p: number, dof: number): number {
  tQuantileFn ??= stdlib('tQuantile');
  return tQuantileFn(p, dof);
}

export interface Interval {
  mean: number;
  /** Half the interval's width (0 with one replication); with `method: 'bootstrap'`, or a paired difference of fractions cut to [-1, 1], the interval may sit asymmetrically around the mean. */
  ci95: number;
  lo: number;
  hi: number;
  n: number;
  /** How [lo, hi] was computed; absent means the t-interval. */
  method?: 'bootstrap';
}

export function meanCI(xs: number[], level = 0.95): Interval {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci95: NaN, lo: NaN, hi: NaN, n };
  const m = mean(xs);
  if (n === 1) return { mean: m, ci95: 0, lo: m, hi: m, n };
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sampleStandardDeviation(xs) / Math.sqrt(n));
  return { mean: m, ci95: half, lo: m - half, hi: m + half, n };
}

/** Bootstrap resamples: 2000 puts the 2.5% quantile's Monte Carlo error well under 1% of the spread. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** Fixed seed: the same replications always give the same interval (results stay byte-identical). */
const BOOTSTRAP_SEED = 20_251_207;

/** Percentile bootstrap interval of the mean of xs (seeded, deterministic). */
export function bootstrapMeanCI(xs: number[], level = 0.95, resamples = BOOTSTRAP_RESAMPLES): Interval {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci95: NaN, lo: NaN, hi: NaN, n, method: 'bootstrap' };
  const m = mean(xs);
  if (n === 1) return { mean: m, ci95: 0, lo: m, hi: m, n, method: 'bootstrap' };
  const rng = new Rng(BOOTSTRAP_SEED);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[rng.int(n)]!;
    means[b] = s / n;
  }
  means.sort();
  const lo = quantileSorted(means, (1 - level) / 2);
  const hi = quantileSorted(means, 1 - (1 - level) / 2);
  return { mean: m, ci95: (hi - lo) / 2, lo, hi, n, method: 'bootstrap' };
}

/** A fraction in [0, 1] by its name (attainment, hit/miss rates, busy/utilisation, gate mass, `.fraction`). */
export function isBoundedMetric(path: string): boolean {
  return /(attainment|hit_rate|miss_rate|reuse_rate|fraction|busy|util|gate_mass|share)/.test(path);
}

/** A quantile of a per-request distribution (`latency_ms.p99`, `.max`): skewed across replications. */
export function isPercentileMetric(path: string): boolean {
  return /\.(p\d+|max|min|median)$/.test(path);
}

/** The interval a metric gets over replications: bootstrap for fractions and percentiles, t otherwise. */
export function metricInterval(path: string, xs: number[], level = 0.95): Interval {
  const bounded = isBoundedMetric(path) && xs.every((x) => x >= 0 && x <= 1);
  return bounded || isPercentileMetric(path) ? bootstrapMeanCI(xs, level) : meanCI(xs, level);
}

/** Beyond this |relative difference| the base is "near zero" for the other policy and a percentage misleads. */
export const MAX_RELATIVE = 2;

/** A relative difference b/a - 1 with its 95% interval; never below -1. */
export interface RelativeInterval {
  mean: number;
  lo: number;
  hi: number;
  /** The t-interval of the mean of log(b_i/a_i), mapped by exp - 1 (its mean is the geometric mean ratio - 1). */
  method: 'log-ratio';
}

export interface PairedDifference extends Interval {
  /** Relative difference (b - a) / a of the means. */
  relative: number;
  /** The relative difference on the ratio scale, where that is the interval to show (see the header). */
  relative_ci?: RelativeInterval;
  /** The interval shown (relative_ci where present, else [lo, hi]) excludes no difference. */
  significant: boolean;
}

/** t-interval of the mean paired log-ratio, as b/a - 1 (all a_i, b_i > 0). */
export function logRatioCI(a: number[], b: number[], level = 0.95): RelativeInterval {
  const ci = meanCI(a.map((x, i) => Math.log(b[i]! / x)), level);
  return { mean: Math.expm1(ci.mean), lo: Math.expm1(ci.lo), hi: Math.expm1(ci.hi), method: 'log-ratio' };
}

/**
 * Interval of b - a over paired replications of `metric`, with the relative interval where the
 * metric's scale calls for one (see the header). `metric: null` gives the plain t-interval of b - a
 * only, for callers that show the absolute difference whatever the metric (capacity).
 */
export function pairedDifference(a: number[], b: number[], metric: string | null, level = 0.95): PairedDifference {
  if (a.length !== b.length) throw new RangeError('paired difference needs equal replication counts');
  const n = a.length;
  const d = a.map((x, i) => b[i]! - x);
  const ci = meanCI(d, level);
  const ma = mean(a);
  const relative = ma !== 0 ? ci.mean / ma : NaN;
  const excludes0 = (lo: number, hi: number) => n > 1 && (lo > 0 || hi < 0);
  const bounded = metric !== null && isBoundedMetric(metric) && [...a, ...b].every((x) => x >= 0 && x <= 1);
  if (bounded) {
    const [lo, hi] = [Math.max(-1, ci.lo), Math.min(1, ci.hi)];
    return { ...ci, ci95: lo === ci.lo && hi === ci.hi ? ci.ci95 : (hi - lo) / 2, lo, hi, relative, significant: excludes0(lo, hi) };
  }
  const ratioScale = metric !== null && Number.isFinite(relative) && Math.abs(relative) <= MAX_RELATIVE && a.every((x) => x > 0) && b.every((x) => x > 0);
  if (!ratioScale) return { ...ci, relative, significant: excludes0(ci.lo, ci.hi) };
  const rel = logRatioCI(a, b, level);
  return { ...ci, relative, relative_ci: rel, significant: excludes0(rel.lo, rel.hi) };
}
