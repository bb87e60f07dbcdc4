import { describe, expect, it } from 'vitest';
import { fitLink, fitLinkSegments, fitOp, fitPiecewise, fitRoofline, holdoutSplit, isotonic, nelderMead, overlapFactor, type FitSample } from './fit.js';
import { linkAt, type LinkFit } from '../../src/hardware/profile.js';
import { randomValues } from '../kernels/reference.js';

/** Samples from a known roofline with multiplicative noise of +-`noise`. */
function rooflineSamples(F: number, B: number, o: number, noise: number): FitSample[] {
  const jitter = randomValues(64, 99, noise);
  const out: FitSample[] = [];
  let i = 0;
  for (const n of [64, 128, 256, 512, 1024, 2048, 4096]) {
    for (const m of [1, 16, n]) {
      const flops = 2 * m * n * n;
      const bytes = 2 * (n * n + 2 * m * n);
      out.push({ flops, bytes, seconds: (o + Math.max(flops / F, bytes / B)) * (1 + jitter[i++ % 64]!) });
    }
  }
  return out;
}

describe('nelderMead', () => {
  it('finds the minimum of a shifted quadratic', () => {
    const x = nelderMead(([a, b]) => (a! - 3) ** 2 + 2 * (b! + 1) ** 2, [0, 0]);
    expect(x[0]).toBeCloseTo(3, 4);
    expect(x[1]).toBeCloseTo(-1, 4);
  });
});

describe('fitRoofline(samples)', () => {
  it('recovers known rates and overhead from exact samples', () => {
    const f = fitRoofline(rooflineSamples(50e12, 2e12, 8e-6, 0));
    expect(f.flops_per_s / 50e12).toBeCloseTo(1, 3);
    expect(f.bytes_per_s / 2e12).toBeCloseTo(1, 3);
    expect(f.overhead_s / 8e-6).toBeCloseTo(1, 2);
  });
  it('recovers them within a few percent from samples with 5% noise', () => {
    const f = fitRoofline(rooflineSamples(1.5e9, 0.4e9, 200e-6, 0.05));
    expect(Math.abs(f.flops_per_s / 1.5e9 - 1)).toBeLessThan(0.05);
    expect(Math.abs(f.bytes_per_s / 0.4e9 - 1)).toBeLessThan(0.05);
    expect(Math.abs(f.overhead_s / 200e-6 - 1)).toBeLessThan(0.25);
  });
});

describe('isotonic(ys)', () => {
  it('pools adjacent violators into their mean', () => {
    expect(isotonic([1, 3, 2, 4])).toEqual([1, 2.5, 2.5, 4]);
    expect(isotonic([5, 4, 3])).toEqual([4, 4, 4]);
    expect(isotonic([1, 2, 3])).toEqual([1, 2, 3]);
  });
});

describe('fitPiecewise(samples, x)', () => {
  it('pools a decreasing pair with relative (1/t^2) weights, so the result is monotone', () => {
    const f = fitPiecewise(
      [
        { flops: 1, bytes: 0, seconds: 1 },
        { flops: 3, bytes: 0, seconds: 2 },
        { flops: 2, bytes: 0, seconds: 3 },
      ],
      'flops',
    );
    const pooled = (3 / 9 + 2 / 4) / (1 / 9 + 1 / 4);
    expect(f.points.map((p) => p[0])).toEqual([1, 2, 3]);
    expect(f.points[0]![1]).toBe(1);
    expect(f.points[1]![1]).toBeCloseTo(pooled, 12);
    expect(f.points[2]![1]).toBeCloseTo(pooled, 12);
  });
});

describe('fitOp(samples)', () => {
  it('keeps the roofline for roofline data, with tiny holdout error and R^2 near 1', () => {
    const r = fitOp(rooflineSamples(10e12, 1e12, 5e-6, 0.01));
    expect(r.fit.model).toBe('roofline');
    expect(r.fit.holdout_error!).toBeLessThan(0.03);
    expect(r.fit.r2!).toBeGreaterThan(0.99);
  });
  it('holds out interior sizes only', () => {
    const s = rooflineSamples(1e12, 1e11, 0, 0);
    const { train, test } = holdoutSplit(s);
    expect(train.length + test.length).toBe(s.length);
    const size = (x: FitSample) => x.flops + x.bytes;
    const sizes = s.map(size);
    for (const t of test) {
      expect(size(t)).toBeGreaterThan(Math.min(...sizes));
      expect(size(t)).toBeLessThan(Math.max(...sizes));
    }
  });
});

const linePriceOf = (f: LinkFit, bytes: number) => {
  const l = linkAt(f, bytes);
  return l.latency_s + bytes / l.bandwidth;
};

describe('fitLink(samples)', () => {
  it('recovers latency and bandwidth', () => {
    const bw = 24e9;
    const lat = 12e-6;
    const s = [1024, 65536, 1 << 20, 16 << 20, 256 << 20, 1 << 30].map((bytes) => ({ bytes, seconds: lat + bytes / bw }));
    const f = fitLink(s);
    expect(f.bandwidth / bw).toBeCloseTo(1, 6);
    expect(f.latency_s / lat).toBeCloseTo(1, 6);
    expect(f.holdout_error!).toBeLessThan(1e-9);
    expect(f.segments).toBeUndefined(); // one line fits exactly: no knee is invented
  });

  it('splits at a knee when two lines predict held-out sizes better (lavapipe h2d: fast below 96 KiB)', () => {
    // Below the knee 2 us + b / 18 GB/s; from 96 KiB on b / 3.8 GB/s; sizes as the calibration sweeps them.
    const knee = 96 << 10;
    const sizes = [1, 2, 4, 8, 16, 32, 64, 96, 128, 256, 512, 1024, 4096, 16384, 65536].map((k) => k << 10);
    const price = (b: number) => (b < knee ? 2e-6 + b / 18e9 : b / 3.8e9);
    const f = fitLink(sizes.map((bytes) => ({ bytes, seconds: price(bytes) })));
    expect(f.segments).toHaveLength(2);
    expect(f.segments![1]!.from_bytes).toBe(knee);
    expect(f.segments![0]!.bandwidth / 18e9).toBeCloseTo(1, 6);
    expect(f.segments![0]!.latency_s / 2e-6).toBeCloseTo(1, 6);
    expect(f.bandwidth / 3.8e9).toBeCloseTo(1, 6); // top level = the large transfers' segment
    expect(f.holdout_error!).toBeLessThan(1e-9);
    expect(f.line_holdout_error!).toBeGreaterThan(0.1); // what the single line got wrong
    // A 768 KiB expert upload is priced by the slow segment: 207 us, not the single line's guess.
    expect(linePriceOf(f, 768 << 10)).toBeCloseTo((768 << 10) / 3.8e9, 12);
    expect(linePriceOf(f, 8 << 10)).toBeCloseTo(2e-6 + (8 << 10) / 18e9, 12);
  });

  it('takes a third segment only where it predicts held-out sizes better (a copy through caches, last-level cache, DRAM)', () => {
    // 2 us + b / 40 GB/s below 96 KiB, b / 5 GB/s to 8 MiB, 0.3 ms + b / 3.2 GB/s from 8 MiB: three regimes.
    const k1 = 96 << 10;
    const k2 = 8 << 20;
    const sizes = [1, 2, 4, 8, 16, 32, 64, 96, 128, 256, 512, 1024, 2048, 4096, 6144, 8192, 16384, 65536, 262144].map((k) => k << 10);
    const price = (b: number) => (b < k1 ? 2e-6 + b / 40e9 : b < k2 ? b / 5e9 : 3e-4 + b / 3.2e9);
    const f = fitLink(sizes.map((bytes) => ({ bytes, seconds: price(bytes) })));
    expect(f.segments!.map((g) => g.from_bytes)).toEqual([0, k1, k2]);
    expect(f.bandwidth / 3.2e9).toBeCloseTo(1, 6);
    expect(f.latency_s / 3e-4).toBeCloseTo(1, 6);
    expect(linePriceOf(f, 16 << 20)).toBeCloseTo(price(16 << 20), 12); // two lines misprice this by 3%+
    expect(linePriceOf(f, 1 << 20)).toBeCloseTo((1 << 20) / 5e9, 12);
    expect(f.holdout_error!).toBeLessThan(1e-9);
    const two = fitLinkSegments(sizes.map((bytes) => ({ bytes, seconds: price(bytes) })), 2)!;
    expect(Math.abs(linePriceOf({ bandwidth: 1, latency_s: 0, segments: two }, 16 << 20) / price(16 << 20) - 1)).toBeGreaterThan(0.03);
  });
});

describe('fitLinkSegments(samples, count)', () => {
  it('needs three sizes in every segment', () => {
    const nine = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => ({ bytes: k * 1000, seconds: k * 1e-6 }));
    expect(fitLinkSegments(nine.slice(0, 8), 3)).toBeUndefined();
    expect(fitLinkSegments(nine, 3)!.map((x) => x.from_bytes)).toEqual([0, 4000, 7000]);
  });

  it('needs three sizes on each side of a knee (two segments, the default)', () => {
    const s = [1, 2, 3, 4, 5].map((k) => ({ bytes: k * 1000, seconds: k * 1e-6 }));
    expect(fitLinkSegments(s)).toBeUndefined();
    const six = [1, 2, 3, 4, 5, 6].map((k) => ({ bytes: k * 1000, seconds: k * 1e-6 }));
    expect(fitLinkSegments(six)!.map((x) => x.from_bytes)).toEqual([0, 4000]);
  });
});

describe('overlapFactor(copy, compute, both)', () => {
  it('is 1 when the shorter hides, 0 when serial, clipped outside', () => {
    expect(overlapFactor(2, 5, 5)).toBe(1);
    expect(overlapFactor(2, 5, 7)).toBe(0);
    expect(overlapFactor(2, 5, 6)).toBeCloseTo(0.5);
    expect(overlapFactor(2, 5, 9)).toBe(0);
    expect(overlapFactor(2, 5, 4)).toBe(1);
  });
});
