import { describe, expect, it } from 'vitest';
import { pairedDifference } from '../../src/metrics/ci.js';
import { differenceText, judge, relativeOf } from '../../src/report/verdict.js';
import type { Comparison } from '../../src/report/types.js';

/** The comparison of policy `new` (b) against `base` (a) on `metric`, from their paired replications. */
function comparison(metric: string, a: number[], b: number[]): Comparison {
  return { point: 0, params: {}, metric, a: 'base', b: 'new', difference: pairedDifference(a, b, metric), better: null };
}

describe('differenceText', () => {
  it('states the relative difference on the ratio scale: equal ratios give a zero-width interval', () => {
    // b/a = 0.5 on every replication: exp(mean log 0.5) - 1 = -50%, no spread.
    expect(differenceText(comparison('latency_ms.mean', [1, 2, 4], [0.5, 1, 2]))).toBe('−50.0% (95% CI −50.0% to −50.0%, 3 replications)');
  });
  it('never prints a relative interval past −100%, where (b − a) / mean(a) with a t-interval reached −196%', () => {
    // The old interval: −78.6% (95% CI −196.3% to +39.2%), not significant. The log-ratio one
    // (ci.test.ts): −80.4% (−89.6% to −63.0%), significant.
    const c = comparison('latency_ms.mean', [10, 20, 40], [2, 3, 10]);
    expect(differenceText(c)).toBe('−80.4% (95% CI −89.6% to −63.0%, 3 replications)');
    expect(judge(c)).toBe('significant');
  });
  it('percentiles: the log-ratio as well, however much the per-replication ratios scatter', () => {
    // b/a = 0.5, 0.75, 0.25: log-ratio mean -0.78904, s = 0.55555, half-width 1.38006 ->
    // -54.6% (-88.6% to +80.6%): all three lower, yet 3 replications this scattered are no proof.
    const c = comparison('latency_ms.p99', [100, 200, 400], [50, 150, 100]);
    expect(differenceText(c)).toBe('−54.6% (95% CI −88.6% to +80.6%, 3 replications)');
    expect(judge(c)).toBe('not-significant');
  });
  it('fractions and a near-zero base: the absolute difference', () => {
    const frac = comparison('slo_attainment', [0.8, 0.9, 1], [1, 1, 1]);
    expect(relativeOf(frac)).toBeNull();
    // b - a = 0.2, 0.1, 0: 0.1 +/- t(0.975, 2) * 0.1 / sqrt 3 = 0.1 +/- 0.2484.
    expect(differenceText(frac)).toBe('+0.1 (absolute) (95% CI −0.1484 to +0.3484, 3 replications)');
    expect(judge(frac)).toBe('not-significant');
    expect(relativeOf(comparison('queue_ms.mean', [0.1, 0.1, 0.12], [1, 1, 1.1]))).toBeNull();
  });
  it('significance follows the interval shown: a ratio interval that includes 1 is not significant', () => {
    const c = comparison('latency_ms.mean', [10, 12, 14], [9, 13, 12]);
    const rel = relativeOf(c)!;
    expect(rel.lo).toBeLessThan(0);
    expect(rel.hi).toBeGreaterThan(0);
    expect(judge(c)).toBe('not-significant');
  });
  it('one replication: no interval', () => {
    expect(differenceText(comparison('latency_ms.mean', [100], [90]))).toBe('−10.0% (1 replication: no interval)');
  });
});
