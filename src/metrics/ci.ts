/**
 * Confidence intervals over replications, chosen by what the metric is:
 *  - means of unbounded quantities (latency means, throughput): mean +/- t_{0.975, n-1} s / sqrt(n);
 *  - bounded fractions (SLO attainment, hit rates, busy fractions, gate mass) and latency
 *    percentiles: a seeded percentile bootstrap of the mean over replications, which never leaves
 *    the range the replications span (so never below 0 or above 1) and is asymmetric where the
 *    data are (Efron & Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13);
 * and the paired difference of two policies run on the same seeds (common random numbers make
 * pairing valid), on the scale the metric lives on:
 *  - fractions: the absolute difference b - a in points, bootstrapped over the paired replications;
 *  - positive metrics: the relative difference b/a - 1. For means, the t-interval of the mean
 *    paired log-ratio log(b_i/a_i), mapped back by exp - 1 (the ratio is what a relative claim is
 *    about, and its log is close to symmetric where b - a is not); for percentiles, a paired
 *    bootstrap of mean(b)/mean(a) - 1. Neither can reach below -100%, which a symmetric interval on
 *    b - a divided by mean(a) does with few replications;
 *  - a zero or near-zero base (relative beyond MAX_RELATIVE) or values <= 0: the absolute difference.
 * With fewer than 5 replications a bootstrap interval is close to [min, max] of the replications:
 * read it as their spread, not as a precise interval.
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

/**
 * The (1 - level) / 2 and 1 - (1 - level) / 2 quantiles of stat over `resamples` resamples (with
 * replacement) of the indices 0..n-1, from the fixed seed.
 */
function bootstrapBounds(n: number, stat: (idx: Uint32Array) => number, level: number, resamples: number): [number, number] {
  const rng = new Rng(BOOTSTRAP_SEED);
  const idx = new Uint32Array(n);
  const values = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    values[b] = stat(idx);
  }
  values.sort();
  return [quantileSorted(values, (1 - level) / 2), quantileSorted(values, 1 - (1 - level) / 2)];
}

/** Percentile bootstrap interval of the mean of xs (seeded, deterministic). */
export function bootstrapMeanCI(xs: number[], level = 0.95, resamples = BOOTSTRAP_RESAMPLES): Interval {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci95: NaN, lo: NaN, hi: NaN, n, method: 'bootstrap' };
  const m = mean(xs);
  if (n === 1) return { mean: m, ci95: 0, lo: m, hi: m, n, method: 'bootstrap' };
  const [lo, hi] = bootstrapBounds(
    n,
    (idx) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs[idx[i]!]!;
      return s / n;
    },
    level,
    resamples,
  );
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

/** A relative difference b/a - 1 with its 95% interval; never below -1 for non-negative metrics. */
export interface RelativeInterval {
  mean: number;
  lo: number;
  hi: number;
  /** 'log-ratio': t-interval of mean log(b_i/a_i), mapped by exp - 1; 'bootstrap': paired bootstrap of mean(b)/mean(a) - 1. */
  method: 'log-ratio' | 'bootstrap';
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

/** Paired percentile bootstrap of mean(b)/mean(a) - 1 (all a_i > 0), seeded like bootstrapMeanCI. */
export function ratioBootstrapCI(a: number[], b: number[], level = 0.95, resamples = BOOTSTRAP_RESAMPLES): RelativeInterval {
  const n = a.length;
  const ratio = (idx: ArrayLike<number>) => {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < idx.length; i++) {
      sa += a[idx[i]!]!;
      sb += b[idx[i]!]!;
    }
    return sb / sa - 1;
  };
  const m = ratio(a.map((_, i) => i));
  if (n < 2) return { mean: m, lo: m, hi: m, method: 'bootstrap' };
  const [lo, hi] = bootstrapBounds(n, ratio, level, resamples);
  return { mean: m, lo, hi, method: 'bootstrap' };
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
  const ma = mean(a);
  const relative = ma !== 0 ? mean(d) / ma : NaN;
  const excludes0 = (lo: number, hi: number) => n > 1 && (lo > 0 || hi < 0);
  if (metric === null) {
    const ci = meanCI(d, level);
    return { ...ci, relative, significant: excludes0(ci.lo, ci.hi) };
  }
  const bounded = isBoundedMetric(metric) && [...a, ...b].every((x) => x >= 0 && x <= 1);
  const percentile = !bounded && isPercentileMetric(metric);
  const ci = bounded || percentile ? bootstrapMeanCI(d, level) : meanCI(d, level);
  const ratioScale = !bounded && Number.isFinite(relative) && Math.abs(relative) <= MAX_RELATIVE && a.every((x) => x > 0) && b.every((x) => x >= 0);
  if (!ratioScale) return { ...ci, relative, significant: excludes0(ci.lo, ci.hi) };
  // A zero b_i has no log: the bootstrap of the ratio of means still respects the scale.
  const rel = percentile || b.some((x) => x === 0) ? ratioBootstrapCI(a, b, level) : logRatioCI(a, b, level);
  return { ...ci, relative, relative_ci: rel, significant: excludes0(rel.lo, rel.hi) };
}
