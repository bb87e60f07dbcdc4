import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng.js';
import { bootstrapMeanCI, isBoundedMetric, isPercentileMetric, logRatioCI, meanCI, metricInterval, pairedDifference } from '../../src/metrics/ci.js';

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

  it('a percentile gets the log-ratio too: three replications all lower are not yet a significant difference', () => {
    // b/a = 0.99, 0.7, 0.4: log-ratios -0.01005, -0.35667, -0.91629, mean -0.42767, s = 0.45727,
    // half-width T2 s / sqrt 3 = 1.13593 -> -34.8% (95% CI -79.1% to +103.0%).
    const d = pairedDifference([100, 100, 100], [99, 70, 40], 'latency_ms.p99');
    expect(d.relative_ci!.method).toBe('log-ratio');
    expect(d.relative_ci!.mean).toBeCloseTo(-0.347975, 5);
    expect(d.relative_ci!.lo).toBeCloseTo(-0.790619, 5);
    expect(d.relative_ci!.hi).toBeCloseTo(1.030448, 5);
    expect(d.significant).toBe(false);
    // A percentile bootstrap of the same log-ratios stays inside [-0.916, -0.010], so it would
    // call this difference significant: with 3 replications it is their sign test at p = 1/4.
    const boot = bootstrapMeanCI([Math.log(0.99), Math.log(0.7), Math.log(0.4)]);
    expect(boot.hi).toBeLessThan(0);
  });

  it('fractions: the absolute t-interval of b - a in points, cut to [-1, 1]', () => {
    // b - a = 0.2, 0.1, 0: 0.1 +/- T2 * 0.1 / sqrt 3 = 0.1 +/- 0.24841, which includes 0.
    const d = pairedDifference([0.8, 0.9, 1], [1, 1, 1], 'slo_attainment');
    expect(d.relative_ci).toBeUndefined();
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.lo).toBeCloseTo(-0.148414, 5);
    expect(d.hi).toBeCloseTo(0.348414, 5);
    expect(d.significant).toBe(false);
    // b - a = 1, 0.1, 0.9: 0.6667 +/- 1.22540 would reach +1.89, past the largest possible difference.
    const cut = pairedDifference([0, 0.1, 0], [1, 0.2, 0.9], 'gpu_hit_rate');
    expect(cut.lo).toBeCloseTo(-0.558729, 5);
    expect(cut.hi).toBe(1);
    expect(cut.ci95).toBeCloseTo((1 + 0.558729) / 2, 5);
  });

  it('a zero or near-zero base, or a zero b_i, keeps the absolute t-interval; null asks for the t-interval only', () => {
    const nearZero = pairedDifference([0.1, 0.1, 0.12], [1, 1, 1.1], 'queue_ms.mean'); // +833%
    expect(nearZero.relative).toBeGreaterThan(2);
    expect(nearZero.relative_ci).toBeUndefined();
    expect(nearZero.method).toBeUndefined();
    expect(nearZero.significant).toBe(nearZero.lo > 0);
    expect(pairedDifference([0, 1, 2], [1, 1, 1], 'queue_ms.mean').relative_ci).toBeUndefined();
    // A zero b_i has no log-ratio: the absolute difference.
    expect(pairedDifference([1, 2, 3], [0, 1, 1], 'queue_ms.mean').relative_ci).toBeUndefined();
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

describe('why the paired tests use the t-interval, not the bootstrap', () => {
  it('equal policies: the log-ratio t-interval calls ~5% of 3-replication comparisons significant, the bootstrap ~25%', () => {
    // 1000 studies of two equal policies: a_i lognormal (run-to-run spread 20%), b_i = a_i times
    // a lognormal paired noise of 10% with median 1.
    const rng = new Rng(7);
    const trials = 1000;
    let t = 0;
    let boot = 0;
    for (let k = 0; k < trials; k++) {
      const a = [0, 1, 2].map(() => 1000 * rng.lognormal(0, 0.2));
      const b = a.map((x) => x * rng.lognormal(0, 0.1));
      if (pairedDifference(a, b, 'latency_ms.mean').significant) t++;
      const l = bootstrapMeanCI(a.map((x, i) => Math.log(b[i]! / x)), 0.95, 200);
      if (l.lo > 0 || l.hi < 0) boot++;
    }
    // Binomial(1000, 0.05) has sd 6.9: 25..75 is well inside +/- 3.5 sd.
    expect(t).toBeGreaterThan(25);
    expect(t).toBeLessThan(75);
    expect(boot).toBeGreaterThan(180);
  });
});
