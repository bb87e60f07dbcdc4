/**
 * LogHistogram (src/metrics/log-histogram.ts) on hand-computed buckets, its relative-error bound
 * against exact quantiles, and Samples' switch to it past its exact limit.
 */
import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../../src/metrics/log-histogram.js';
import { Samples, SKETCH_RELATIVE_ERROR } from '../../src/metrics/summary.js';
import { Rng } from '../../src/engine/rng.js';

describe('LogHistogram', () => {
  // Relative error 1/3: gamma = 2, bucket i = (2^(i-1), 2^i], reported as 2^(i+1) / 3.
  it('reports each order statistic as its bucket value, the extremes exact (gamma = 2, by hand)', () => {
    const h = new LogHistogram(1 / 3);
    for (const x of [6, 1, 100, 3, 5]) h.add(x);
    // Buckets: 1 -> 0, 3 -> 2, 5 and 6 -> 3, 100 -> 7.
    const close = (got: number[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 12));
    close([0, 1, 2, 3, 4].map((k) => h.orderStatistic(k)), [1, 8 / 3, 16 / 3, 16 / 3, 100]);
    expect(h.quantile(0.5)).toBeCloseTo(16 / 3, 12);
    expect(h.quantile(0.125)).toBeCloseTo(1 + 0.5 * (8 / 3 - 1), 12); // h = 0.5: halfway between k = 0 and 1
    // 5's bucket reports 16/3 > 5, so it does not count at 5; at 6 it does. 99 shares 100's bucket
    // (reported 256/3 <= 99), but 100 is the exact maximum, above 99.
    expect([0.5, 1, 5, 6, 99, 100].map((l) => h.countAtMost(l))).toEqual([0, 1, 2, 4, 4, 5]);
  });

  it('orders negatives, zeros and positives (gamma = 2, by hand)', () => {
    const h = new LogHistogram(1 / 3);
    for (const x of [0, -1, 3, -6, 0]) h.add(x);
    // -1 is bucket 0 of the negatives, reported -2/3; -6 (the minimum) and 3 (the maximum) exact.
    const got = [0, 1, 2, 3, 4].map((k) => h.orderStatistic(k));
    [-6, -2 / 3, 0, 0, 3].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 12));
    // -6 and 3 are the exact extremes, so they count at -6 and not at 2.9 whatever their buckets
    // report (-16/3 and 8/3); -1's bucket reports -2/3 > -1, so -1 does not count at -1.
    expect([-7, -6, -1, 0, 2.9, 3].map((l) => h.countAtMost(l))).toEqual([0, 1, 1, 4, 4, 5]);
  });

  it('keeps every quantile within its relative error of the exact one, in memory set by the range', () => {
    const rng = new Rng(7);
    const exact = new Samples(1 << 21);
    const h = new LogHistogram(1e-3);
    for (let i = 0; i < 200_000; i++) {
      const x = rng.lognormal(3, 1.5); // over ~5 decades
      exact.add(x);
      h.add(x);
    }
    expect(exact.exact).toBe(true);
    for (const p of [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]) {
      const want = exact.quantile(p);
      expect(Math.abs(h.quantile(p) - want) / want, `p = ${p}`).toBeLessThanOrEqual(1e-3 + 1e-12);
    }
    // ln(max / min) / ln(gamma) buckets, plus the growth headroom: not one per value.
    const span = Math.log(exact.quantile(1) / exact.quantile(0)) / Math.log((1 + 1e-3) / (1 - 1e-3));
    expect(h.buckets).toBeLessThan(2 * span + 128);
    expect(h.buckets).toBeLessThan(20_000);
  });

  it('refuses a relative error outside (0, 1)', () => {
    expect(() => new LogHistogram(0)).toThrow(/relative error/);
    expect(() => new LogHistogram(1)).toThrow(/relative error/);
  });
});

describe('Samples past its exact limit', () => {
  it('stays exact up to the limit, then answers from the histogram within SKETCH_RELATIVE_ERROR', () => {
    const rng = new Rng(3);
    const limited = new Samples(1000);
    const exact = new Samples();
    for (let i = 0; i < 1000; i++) {
      const x = 100 * rng.exponential(1);
      limited.add(x);
      exact.add(x);
    }
    expect(limited.exact).toBe(true);
    expect(limited.summary()).toEqual(exact.summary());
    for (let i = 0; i < 5000; i++) {
      const x = 100 * rng.exponential(1);
      limited.add(x);
      exact.add(x);
    }
    expect(limited.exact).toBe(false);
    expect(limited.count).toBe(6000);
    expect(limited.mean()).toBe(exact.mean()); // the sum is kept exactly
    const a = limited.summary();
    const b = exact.summary();
    expect(a.min).toBe(b.min);
    expect(a.max).toBe(b.max);
    for (const k of ['p50', 'p90', 'p95', 'p99'] as const) expect(Math.abs(a[k] - b[k]) / b[k], k).toBeLessThanOrEqual(SKETCH_RELATIVE_ERROR + 1e-12);
    // Within one bucket of the exact rank: the limit's own bucket is counted whole or not at all.
    const slo = b.p90;
    expect(Math.abs(limited.fractionAtMost(slo) - exact.fractionAtMost(slo))).toBeLessThan(0.002);
    expect(limited.cdf(10).map((c) => c.p)).toEqual(exact.cdf(10).map((c) => c.p));
    expect(() => limited.values()).toThrow(/only their histogram/);
  });
});
