import { describe, expect, it } from 'vitest';
import { differenceText } from '../../src/report/verdict.js';
import type { Comparison } from '../../src/report/types.js';

/** A comparison of b against a whose base mean is 100 and paired difference d.mean with half-width ci95. */
function comparison(mean: number, ci95: number, n: number): Comparison {
  return { metric: 'latency_ms.p99', a: 'base', b: 'new', difference: { mean, ci95, lo: mean - ci95, hi: mean + ci95, n, relative: mean / 100, significant: n > 1 && Math.abs(mean) > ci95 } } as unknown as Comparison;
}

describe('differenceText', () => {
  it('states a relative interval inside the metric bounds plainly', () => {
    expect(differenceText(comparison(-50, 10, 5))).toBe('−50.0% (95% CI −60.0% to −40.0%, 5 replications)');
  });
  it('flags a relative interval reaching past −100% (impossible for a non-negative metric) instead of printing it bare', () => {
    // base 100, difference −79.3 ± 54.6: the lower end −133.9% would mean a negative latency.
    expect(differenceText(comparison(-79.3, 54.6, 3))).toBe(
      '−79.3% (95% CI −133.9% to −24.7%, 3 replications; its lower end is past −100%, which no non-negative metric can reach: too few replications for this interval)',
    );
  });
  it('one replication: no interval', () => {
    expect(differenceText(comparison(-10, 0, 1))).toBe('−10.0% (1 replication: no interval)');
  });
});
