import { describe, expect, it } from 'vitest';
import { bootstrapMeanCI, isBoundedMetric, isPercentileMetric, meanCI, metricInterval } from '../../src/metrics/ci.js';

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
