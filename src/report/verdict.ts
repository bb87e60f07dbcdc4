/**
 * Reading a paired difference honestly:
 *  - one replication: no interval, so no test ("1 replication: no interval");
 *  - a difference is "better" only when its 95% interval excludes 0 AND it is at least the
 *    practical threshold: PRACTICAL_RELATIVE (1%) of the base policy's mean, or for fractions in
 *    [0, 1] PRACTICAL_ABSOLUTE_FRACTION (1 percentage point); smaller ones are "negligible";
 *  - relative differences are shown only from a base that is not near zero (|relative| <= 200%)
 *    and never for fractions; otherwise the absolute difference b - a is shown.
 */
import { isBoundedMetric } from '../metrics/ci.js';
import { fmt } from './metrics.js';
import type { Comparison } from './types.js';

export const PRACTICAL_RELATIVE = 0.01;
export const PRACTICAL_ABSOLUTE_FRACTION = 0.01;
/** Beyond this the base is "near zero" for the other policy and a percentage misleads. */
const MAX_RELATIVE = 2;

export type Judgement = 'no-interval' | 'identical' | 'not-significant' | 'negligible' | 'significant';

export function judge(c: Comparison): Judgement {
  const d = c.difference;
  if (d.mean === 0 && d.ci95 === 0 && d.n > 1) return 'identical';
  if (d.n < 2) return 'no-interval';
  if (!d.significant) return 'not-significant';
  const big = isBoundedMetric(c.metric) || !Number.isFinite(d.relative) ? Math.abs(d.mean) >= PRACTICAL_ABSOLUTE_FRACTION : Math.abs(d.relative) >= PRACTICAL_RELATIVE;
  return big ? 'significant' : 'negligible';
}

/** Relative (b - a) / a with its interval, or null when an absolute difference must be shown. */
export function relativeOf(c: Comparison): { mean: number; lo: number; hi: number } | null {
  const d = c.difference;
  if (isBoundedMetric(c.metric) || !Number.isFinite(d.relative) || Math.abs(d.relative) > MAX_RELATIVE || d.mean === 0) return null;
  const base = d.mean / d.relative;
  return { mean: d.relative, lo: d.lo / base, hi: d.hi / base };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number, f: (v: number) => string) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${f(Math.abs(x))}`;

/** "−46.2% (95% CI −49.1% to −43.3%)", "+0.12 (95% CI …)", or "+3.1% (1 replication: no interval)". */
export function differenceText(c: Comparison): string {
  const d = c.difference;
  const rel = relativeOf(c);
  const f = rel ? pct : fmt;
  const [m, lo, hi] = rel ? [rel.mean, Math.min(rel.lo, rel.hi), Math.max(rel.lo, rel.hi)] : [d.mean, d.lo, d.hi];
  const unit = rel ? '' : ' (absolute)';
  if (d.n < 2) return `${signed(m, f)}${unit} (1 replication: no interval)`;
  // servesim's metrics are non-negative, so b's mean cannot fall below 0 (relative −100%): a t-interval
  // reaching past that is too wide for its replications to support, and says so instead of standing bare.
  const past = rel && lo < -1 ? `; its lower end is past −100%, which no non-negative metric can reach: too few replications for this interval` : '';
  return `${signed(m, f)}${unit} (95% CI ${signed(lo, f)} to ${signed(hi, f)}, ${d.n} replications${past})`;
}

/** A sentence for one comparison: which is better, or why none is called better. */
export function describeComparison(c: Comparison, direction: 'lower' | 'higher' | null): string {
  const j = judge(c);
  const diff = `${c.b} − ${c.a}: ${differenceText(c)}`;
  if (j === 'identical') return `${c.a} and ${c.b} are identical on every replication`;
  if (j === 'no-interval') return diff;
  if (j === 'not-significant') return `${diff}: not significant`;
  if (j === 'negligible') return `${diff}: significant but below the practical threshold (${isBoundedMetric(c.metric) ? '1 percentage point' : '1%'})`;
  const better = direction ? ((c.difference.mean < 0) === (direction === 'lower') ? c.b : c.a) : null;
  return better ? `${diff} — ${better} is better` : diff;
}
