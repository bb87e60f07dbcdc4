/**
 * Confidence intervals over replications: mean +/- t_{0.975, n-1} * s / sqrt(n), and the paired
 * difference of two policies run on the same seeds (common random numbers make pairing valid).
 */
import { createRequire } from 'node:module';
import { mean, sampleStandardDeviation } from 'simple-statistics';

// Required on first use: the package loads ~400 small modules, which every CLI start would pay.
let tQuantileFn: ((p: number, dof: number) => number) | undefined;
function tQuantile(p: number, dof: number): number {
  tQuantileFn ??= createRequire(import.meta.url)('@stdlib/stats-base-dists-t-quantile') as (p: number, dof: number) => number;
  return tQuantileFn(p, dof);
}

export interface Interval {
  mean: number;
  /** Half-width of the 95% interval (0 with one replication). */
  ci95: number;
  lo: number;
  hi: number;
  n: number;
}

export function meanCI(xs: number[], level = 0.95): Interval {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci95: NaN, lo: NaN, hi: NaN, n };
  const m = mean(xs);
  if (n === 1) return { mean: m, ci95: 0, lo: m, hi: m, n };
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sampleStandardDeviation(xs) / Math.sqrt(n));
  return { mean: m, ci95: half, lo: m - half, hi: m + half, n };
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
