import { describe, expect, it } from 'vitest';
import { bootstrapMeanCI, isBoundedMetric, isPercentileMetric, logRatioCI, meanCI, metricInterval, pairedDifference, ratioBootstrapCI } from '../../src/metrics/ci.js';

describe('bootstrapMeanCI(xs)', () => {
  it('bootstrapMeanCI([0, 1]): the resampled mean is 0, 0.5 or 1 (p = 1/4, 1/2, 1/4), so the 95% interval is [0, 1]', () => {
    const ci = bootstrapMeanCI([0, 1]);
    expect(ci.mean).toBe(0.5);
    expect(ci.lo).toBe(0);
    expect(ci.hi).toBe(1);
    expect(ci.method).toBe('bootstrap');
  });
  it('stays inside [min, max] of the replications, where the t-interval leaves [0, 1]', () => {
    const xs = [0.1, 1, 1];
    const t = meanCI(xs);
    // mean 0.7, s = 0.5196, t(0.975, 2) = 4.303: 0.7 +/- 1.291 -> below 0 and above 1.
    expect(t.lo).toBeLessThan(0);
    expect(t.hi).toBeGreaterThan(1);
    const b = metricInterval('slo_attainment', xs);
    expect(b.method).toBe('bootstrap');
    expect(b.lo).toBeGreaterThanOrEqual(0.1);
    expect(b.hi).toBeLessThanOrEqual(1);
    expect(b.lo).toBeLessThan(b.mean);
  });
  it('is seeded: the same replications give the same interval', () => {
    const xs = [3.1, 2.7, 4.4, 3.9, 3.0];
    expect(bootstrapMeanCI(xs)).toEqual(bootstrapMeanCI([...xs]));
  });
  it('bootstrapMeanCI([x]) has no interval', () => {
    expect(bootstrapMeanCI([0.4])).toMatchObject({ mean: 0.4, lo: 0.4, hi: 0.4, ci95: 0, n: 1 });
  });
});

describe('metricInterval(path, xs)', () => {
  it('uses the t-interval for means of unbounded metrics and the bootstrap for percentiles and fractions', () => {
    expect(metricInterval('latency_ms.mean', [10, 12, 14]).method).toBeUndefined();
    expect(metricInterval('latency_ms.p99', [10, 12, 14]).method).toBe('bootstrap');
    expect(metricInterval('lora_cache.gpu_hit_rate', [0.2, 0.3]).method).toBe('bootstrap');
    // A "fraction" outside [0, 1] is not one: t-interval.
    expect(metricInterval('gpu_busy', [1.5, 2]).method).toBeUndefined();
    expect(isBoundedMetric('gate_mass.exact')).toBe(true);
    expect(isBoundedMetric('throughput_per_s')).toBe(false);
    expect(isPercentileMetric('queue_ms.max')).toBe(true);
    expect(isPercentileMetric('queue_ms.mean')).toBe(false);
  });
});

/** t(0.975, 2), the 95% two-sided quantile with 3 replications. */
const T2 = 4.302652729911275;

describe('pairedDifference(a, b, metric)', () => {
  it('a mean metric gets the paired log-ratio: ratios of exactly 1/2 give -50% with a zero-width interval', () => {
    const d = pairedDifference([1, 2, 4], [0.5, 1, 2], 'latency_ms.mean');
    expect(d.relative_ci?.method).toBe('log-ratio');
    expect(d.relative_ci!.mean).toBeCloseTo(-0.5, 12);
    expect(d.relative_ci!.lo).toBeCloseTo(-0.5, 12);
    expect(d.relative_ci!.hi).toBeCloseTo(-0.5, 12);
    expect(d.relative).toBeCloseTo(-0.5, 12);
    expect(d.significant).toBe(true);
    // The absolute differences -0.5, -1, -2 scatter (mean -7/6, s = 0.7638): their t-interval
    // -7/6 +/- 1.897 includes 0, which the pairing on the ratio scale shows is no doubt at all.
    expect(d.mean).toBeCloseTo(-7 / 6, 12);
    expect(d.lo).toBeLessThan(-3);
    expect(d.hi).toBeGreaterThan(0.7);
  });

  it('stays above -100% where the t-interval of b - a divided by mean(a) reaches -196%', () => {
    // a = 10, 20, 40 and b = 2, 3, 10: b - a = -8, -17, -30 (mean -55/3, s = 11.06), mean(a) = 70/3,
    // so the old interval was (-55/3 +/- T2 * 11.06 / sqrt 3) / (70/3) = -196%..+39%.
    const a = [10, 20, 40];
    const b = [2, 3, 10];
    const d = pairedDifference(a, b, 'latency_ms.mean');
    expect((d.lo * 3) / 70).toBeCloseTo(-1.9632, 4);
    expect((d.hi * 3) / 70).toBeCloseTo(0.3918, 4);
    // log(b/a) = ln 0.2, ln 0.15, ln 0.25: mean -1.63095, s = 0.256091, half-width T2 s / sqrt 3 = 0.636165.
    const l = [Math.log(0.2), Math.log(0.15), Math.log(0.25)];
    const m = (l[0]! + l[1]! + l[2]!) / 3;
    expect(m).toBeCloseTo(-1.63095, 5);
    const half = (T2 * 0.256091) / Math.sqrt(3);
    expect(d.relative_ci!.mean).toBeCloseTo(Math.expm1(m), 12); // -80.4%
    expect(d.relative_ci!.lo).toBeCloseTo(Math.expm1(m - half), 5); // -89.6%
    expect(d.relative_ci!.hi).toBeCloseTo(Math.expm1(m + half), 5); // -63.0%
    expect(d.relative_ci!.lo).toBeCloseTo(-0.89639, 4);
    expect(d.relative_ci!.hi).toBeCloseTo(-0.63020, 4);
    expect(d.significant).toBe(true);
  });

  it('a percentile gets a paired bootstrap of mean(b) / mean(a) - 1: seeded, and inside the per-replication ratios', () => {
    // b/a = 0.5, 0.75, 0.25. A resample's sum(b)/sum(a) is an a-weighted mean of those, so within
    // [0.25, 0.75]; with 3 replications each all-one-replication resample has p = 1/27 > 2.5%, so
    // the 95% interval is exactly that range: -75%..-25% around 300/700 - 1 = -57.1%.
    const a = [100, 200, 400];
    const b = [50, 150, 100];
    const d = pairedDifference(a, b, 'latency_ms.p99');
    expect(d.relative_ci).toEqual(ratioBootstrapCI(a, b));
    expect(d.relative_ci!.method).toBe('bootstrap');
    expect(d.relative_ci!.mean).toBeCloseTo(300 / 700 - 1, 12);
    expect(d.relative_ci!.lo).toBeCloseTo(-0.75, 12);
    expect(d.relative_ci!.hi).toBeCloseTo(-0.25, 12);
    expect(d.significant).toBe(true);
    expect(pairedDifference([...a], [...b], 'latency_ms.p99')).toEqual(d);
    // The absolute difference is bootstrapped too (shown from a near-zero base).
    expect(d.method).toBe('bootstrap');
  });

  it('bootstrap bounds: never below -100%, within the ratios, and crossing 0 when the replications disagree', () => {
    const a = [120, 80, 100, 90, 150, 110];
    const b = [60, 100, 40, 95, 30, 130];
    const r = b.map((y, i) => y / a[i]!);
    const ci = ratioBootstrapCI(a, b);
    expect(ci.lo).toBeGreaterThanOrEqual(Math.min(...r) - 1);
    expect(ci.hi).toBeLessThanOrEqual(Math.max(...r) - 1);
    expect(ci.lo).toBeLessThan(ci.mean);
    expect(ci.hi).toBeGreaterThan(ci.mean);
    expect(ci.lo).toBeLessThan(0);
    expect(ci.hi).toBeGreaterThan(0);
    expect(pairedDifference(a, b, 'ttft_ms.p95').significant).toBe(false);
    expect(ratioBootstrapCI([...a], [...b])).toEqual(ci);
  });

  it('fractions: an absolute difference in points, bootstrapped within [min, max] of the paired differences', () => {
    // b - a = 0.2, 0.1, 0: the interval is [0, 0.2], which does not exclude 0.
    const d = pairedDifference([0.8, 0.9, 1], [1, 1, 1], 'slo_attainment');
    expect(d.relative_ci).toBeUndefined();
    expect(d.method).toBe('bootstrap');
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.lo).toBeCloseTo(0, 12);
    expect(d.hi).toBeCloseTo(0.2, 12);
    expect(d.significant).toBe(false);
  });

  it('a zero or near-zero base keeps the absolute t-interval; a zero b_i falls back to the bootstrap; null asks for the t-interval only', () => {
    const nearZero = pairedDifference([0.1, 0.1, 0.12], [1, 1, 1.1], 'queue_ms.mean'); // +833%
    expect(nearZero.relative).toBeGreaterThan(2);
    expect(nearZero.relative_ci).toBeUndefined();
    expect(nearZero.method).toBeUndefined();
    expect(nearZero.significant).toBe(nearZero.lo > 0);
    expect(pairedDifference([0, 1, 2], [1, 1, 1], 'queue_ms.mean').relative_ci).toBeUndefined();
    expect(pairedDifference([1, 2, 3], [0, 1, 1], 'queue_ms.mean').relative_ci?.method).toBe('bootstrap');
    const plain = pairedDifference([1, 2, 4], [0.5, 1, 2], null);
    expect(plain.relative_ci).toBeUndefined();
    expect(plain.significant).toBe(false); // the t-interval of b - a above includes 0
  });
});

describe('logRatioCI(a, b)', () => {
  it('is the t-interval of log(b_i / a_i) mapped by exp - 1', () => {
    // log ratios ln(7/10), ln(10/12), ln(11/14): mean -0.26005, s = 0.08850 -> -22.9% (-38.1%..-3.9%).
    const ci = logRatioCI([10, 12, 14], [7, 10, 11]);
    expect(ci.mean).toBeCloseTo(-0.228989, 5);
    expect(ci.lo).toBeCloseTo(-0.381459, 5);
    expect(ci.hi).toBeCloseTo(-0.038935, 5);
  });
});
