/**
 * Reading a paired difference honestly:
 *  - one replication: no interval, so no test ("1 replication: no interval");
 *  - the interval shown is the one results.json's comparison carries for the metric's scale
 *    (src/metrics/ci.ts pairedDifference): the relative difference b/a - 1 on the ratio scale
 *    (`relative_ci`, never below -100%) for positive metrics, else the absolute difference b - a
 *    (fractions, a zero or near-zero base with |relative| > 200%, results written without one);
 *  - a difference is "better" only when that interval excludes no difference (`significant`) AND it
 *    is at least the practical threshold: PRACTICAL_RELATIVE (1%) of the base policy's mean, or for
 *    fractions in [0, 1] PRACTICAL_ABSOLUTE_FRACTION (1 percentage point); smaller ones are "negligible".
 */
import { isBoundedMetric, type RelativeInterval } from '../metrics/ci.js';
import { fmt } from './metrics.js';
import type { Comparison } from './types.js';

export const PRACTICAL_RELATIVE = 0.01;
export const PRACTICAL_ABSOLUTE_FRACTION = 0.01;

export type Judgement = 'no-interval' | 'identical' | 'not-significant' | 'negligible' | 'significant';

export function judge(c: Comparison): Judgement {
  const d = c.difference;
  if (d.mean === 0 && d.ci95 === 0 && d.n > 1) return 'identical';
  if (d.n < 2) return 'no-interval';
  if (!d.significant) return 'not-significant';
  const rel = relativeOf(c);
  const big = rel
    ? Math.abs(rel.mean) >= PRACTICAL_RELATIVE
    : isBoundedMetric(c.metric) || !Number.isFinite(d.relative)
      ? Math.abs(d.mean) >= PRACTICAL_ABSOLUTE_FRACTION
      : Math.abs(d.relative) >= PRACTICAL_RELATIVE;
  return big ? 'significant' : 'negligible';
}

/** The relative difference b/a - 1 with its interval, or null when the absolute difference is shown. */
export function relativeOf(c: Comparison): RelativeInterval | null {
  return c.difference.relative_ci ?? null;
}

/** The difference's point estimate on the scale shown: its sign says which policy is ahead. */
export function pointOf(c: Comparison): number {
  return relativeOf(c)?.mean ?? c.difference.mean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number, f: (v: number) => string) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${f(Math.abs(x))}`;

/** "−46.2% (95% CI −49.1% to −43.3%)", "+0.12 (95% CI …)", or "+3.1% (1 replication: no interval)". */
export function differenceText(c: Comparison): string {
  const d = c.difference;
  const rel = relativeOf(c);
  const f = rel ? pct : fmt;
  const [m, lo, hi] = rel ? [rel.mean, rel.lo, rel.hi] : [d.mean, d.lo, d.hi];
  const unit = rel ? '' : ' (absolute)';
  if (d.n < 2) return `${signed(m, f)}${unit} (1 replication: no interval)`;
  return `${signed(m, f)}${unit} (95% CI ${signed(lo, f)} to ${signed(hi, f)}, ${d.n} replications)`;
}

/** A sentence for one comparison: which is better, or why none is called better. */
export function describeComparison(c: Comparison, direction: 'lower' | 'higher' | null): string {
  const j = judge(c);
  const diff = `${c.b} − ${c.a}: ${differenceText(c)}`;
  if (j === 'identical') return `${c.a} and ${c.b} are identical on every replication`;
  if (j === 'no-interval') return diff;
  if (j === 'not-significant') return `${diff}: not significant`;
  if (j === 'negligible') return `${diff}: significant but below the practical threshold (${isBoundedMetric(c.metric) ? '1 percentage point' : '1%'})`;
  const better = direction ? ((pointOf(c) < 0) === (direction === 'lower') ? c.b : c.a) : null;
  return better ? `${diff} — ${better} is better` : diff;
}
