/**
 * Confidence intervals over replications, chosen by what the metric is:
 *  - means of unbounded quantities (latency means, throughput): mean +/- t_{0.975, n-1} s / sqrt(n);
 *  - bounded fractions (SLO attainment, hit rates, busy fractions, gate mass) and latency
 *    percentiles: a seeded percentile bootstrap of the mean over replications, which never leaves
 *    the range the replications span (so never below 0 or above 1) and is asymmetric where the
 *    data are (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13);
 * and the paired difference of two policies run on the same seeds (common random numbers make
 * pairing valid). With fewer than 5 replications a bootstrap interval is close to [min, max] of
 * the replications: read it as their spread, not as a precise interval.
 */
import { createRequire } from 'node:module';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { Rng } from '../engine/rng.js';
import { quantileSorted } from './summary.js';

// Required on first use: the package loads ~400 small modules, which every CLI start would pay.
let tQuantileFn: ((p: number, dof: number) => number) | undefined;
function tQuantile(p: number, dof: number): number {
  tQuantileFn ??= createRequire(import.meta.url)('@stdlib/stats-base-dists-t-quantile') as (p: number, dof: number) => number;
  return tQuantileFn(p, dof);
}

export interface Interval {
  mean: number;
  /** Half the interval's width (0 with one replication); with `method: 'bootstrap'` the interval may sit asymmetrically around the mean. */
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

export interface PairedDifference extends Interval {
  /** Relative difference (b - a) / a of the means. */
  relative: number;
  /** The interval excludes 0. */
  significant: boolean;
}

/** Interval of b - a over paired replications. */
export function pairedDifference(a: number[], b: number[], level = 0.95): PairedDifference {
  if (a.length !== b.length) throw new RangeError('paired difference needs equal replication counts');
  const d = a.map((x, i) => b[i]! - x);
  const ci = meanCI(d, level);
  const ma = mean(a);
  return { ...ci, relative: ma !== 0 ? ci.mean / ma : NaN, significant: a.length > 1 && (ci.lo > 0 || ci.hi < 0) };
}
