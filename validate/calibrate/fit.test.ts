import { describe, expect, it } from 'vitest';
import { fitLink, fitLinkLine, fitLinkSegments, fitOp, fitPiecewise, fitRoofline, holdoutGain, holdoutGainError, holdoutSplit, isotonic, nelderMead, overlapFactor, type FitSample } from './fit.js';
import { linkAt, type LinkFit } from '../../src/hardware/profile.js';
import { randomValues } from '../kernels/reference.js';
import { summarise } from '../harness/stats.js';

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

describe('fitLink(samples) with one bad size', () => {
  // The lavapipe sweep's sizes: powers of two from 1 KiB to 1 GiB and three times each odd one.
  const sweep = [...Array.from({ length: 21 }, (_, e) => 2 ** (e + 10)), ...Array.from({ length: 10 }, (_, i) => 3 * 2 ** (11 + 2 * i))].sort((a, b) => a - b);
  const rel = (a: number, b: number) => Math.abs(a / b - 1);

  it('keeps a two-segment knee where it is, bandwidths within 2%, whichever one size reads 30% slow', () => {
    const knee = 96 << 10;
    const price = (b: number) => (b < knee ? 2e-6 + b / 18e9 : 20e-6 + b / 3.8e9);
    for (const bad of sweep) {
      const f = fitLink(sweep.map((bytes) => ({ bytes, seconds: price(bytes) * (bytes === bad ? 1.3 : 1) })));
      expect(f.segments?.map((g) => g.from_bytes), `${bad} B slow`).toEqual([0, knee]);
      expect(rel(f.segments![0]!.bandwidth, 18e9), `${bad} B slow`).toBeLessThan(0.02);
      expect(rel(f.bandwidth, 3.8e9), `${bad} B slow`).toBeLessThan(0.02);
    }
  });

  it('barely moves when one size\'s repeats spread 13x (its median 1.6x the price)', () => {
    const price = (b: number) => 25e-6 + b / 3.4e9;
    for (const bad of sweep.filter((b) => b >= 1 << 16 && b <= 1 << 24)) {
      const f = fitLink(
        sweep.map((bytes) => {
          const t = price(bytes);
          const { median_s, spread } = summarise(bytes === bad ? [t, 1.1 * t, 1.6 * t, 6 * t, 13 * t] : [t, t, t, t, t]);
          return { bytes, seconds: median_s, spread };
        }),
      );
      expect(f.segments, `${bad} B noisy`).toBeUndefined();
      expect(rel(f.bandwidth, 3.4e9), `${bad} B noisy`).toBeLessThan(0.03);
      expect(rel(f.latency_s, 25e-6), `${bad} B noisy`).toBeLessThan(0.03);
    }
  });

  it('invents no knee for a clean line with one outlier', () => {
    const price = (b: number) => 12e-6 + b / 24e9;
    for (const bad of sweep) {
      for (const k of [0.6, 1.5, 3]) {
        const f = fitLink(sweep.map((bytes) => ({ bytes, seconds: price(bytes) * (bytes === bad ? k : 1) })));
        expect(f.segments, `${bad} B x${k}`).toBeUndefined();
        expect(rel(f.bandwidth, 24e9), `${bad} B x${k}`).toBeLessThan(0.02);
      }
    }
  });
});

/** The committed lavapipe profile's h2d medians and spreads (validate/profiles/lavapipe.json, 4 digits). */
const LAVAPIPE_H2D: Array<[bytes: number, median_s: number, spread: number]> = [
  [1024, 2.141e-6, 0.0899], [2048, 1.911e-6, 0.0235], [4096, 1.945e-6, 0.0891], [6144, 2.016e-6, 0.0586],
  [8192, 2.089e-6, 0.144], [16384, 2.388e-6, 0.207], [24576, 2.51e-6, 0.103], [32768, 2.549e-6, 0.104],
  [65536, 3.652e-6, 2.83], [98304, 1.85e-5, 1.21], [131072, 3.249e-5, 0.0951], [262144, 5.491e-5, 0.0685],
  [393216, 7.774e-5, 0.444], [524288, 1.079e-4, 0.00697], [1048576, 2.595e-4, 0.0579], [1572864, 5.534e-4, 0.0579],
  [2097152, 5.231e-4, 0.0671], [4194304, 1.043e-3, 0.0181], [6291456, 1.724e-3, 0.0223], [8388608, 2.476e-3, 0.066],
  [16777216, 5.274e-3, 0.346], [25165824, 8.12e-3, 0.426], [33554432, 1.047e-2, 0.0657], [67108864, 2.107e-2, 0.0617],
  [100663296, 3.167e-2, 0.0272], [134217728, 3.993e-2, 0.0655], [268435456, 7.954e-2, 0.0505], [402653184, 0.127, 0.0569],
  [536870912, 0.168, 0.13], [1073741824, 0.4659, 0.525], [1610612736, 0.56, 0.153],
];

describe('fitLink(samples) on noisy timings', () => {
  // Five repeats per size, each off by up to +-6% (seeded), summarised as calibrate does.
  const sweep = [...Array.from({ length: 21 }, (_, e) => 2 ** (e + 10)), ...Array.from({ length: 10 }, (_, i) => 3 * 2 ** (11 + 2 * i))].sort((a, b) => a - b);
  const draw = (price: (b: number) => number, seed: number) => {
    const jitter = randomValues(5 * sweep.length, seed, 0.06);
    return sweep.map((bytes, i) => {
      const { median_s, spread } = summarise([0, 1, 2, 3, 4].map((r) => price(bytes) * (1 + jitter[5 * i + r]!)));
      return { bytes, seconds: median_s, spread };
    });
  };

  it('finds the knees that are there and invents none, over 30 draws (the one-fold rule got 5 wrong)', () => {
    const line = (b: number) => 12e-6 + b / 24e9;
    const two = (b: number) => (b < 96 << 10 ? 2e-6 + b / 18e9 : 20e-6 + b / 3.8e9);
    for (let seed = 1; seed <= 15; seed++) {
      expect(fitLink(draw(line, seed)).segments, `line, seed ${seed}`).toBeUndefined();
      expect(fitLink(draw(two, 100 + seed)).segments?.map((g) => g.from_bytes), `two, seed ${seed}`).toEqual([0, 96 << 10]);
    }
  });
});

describe('fitLink on the lavapipe h2d medians', () => {
  it('puts no knee at the 1.5 MiB dip (2.8 GB/s between 4.0 GB/s neighbours), spreads ignored', () => {
    const segs = fitLinkSegments(LAVAPIPE_H2D.map(([bytes, seconds]) => ({ bytes, seconds })), 3)!;
    const from = segs.map((g) => g.from_bytes);
    expect(from).not.toContain(1572864);
    // 1, 2 and 4 MiB, alike at 4.0 GB/s, share a segment.
    const segOf = (b: number) => from.filter((x) => x <= b).length;
    expect(segOf(1 << 20)).toBe(segOf(2 << 20));
    expect(segOf(2 << 20)).toBe(segOf(4 << 20));
  });

  it('keeps three segments, knees at 96 KiB and 8 MiB, so 8-512 MiB are priced within 5% (two segments: 10-17% low)', () => {
    const f = fitLink(LAVAPIPE_H2D.map(([bytes, seconds, spread]) => ({ bytes, seconds, spread })));
    expect(f.segments!.map((g) => g.from_bytes)).toEqual([0, 96 << 10, 8 << 20]);
    for (const [bytes, seconds] of LAVAPIPE_H2D.filter(([b]) => b >= 8 << 20 && b <= 512 << 20)) {
      expect(Math.abs(linePriceOf(f, bytes) / seconds - 1), `${bytes} B`).toBeLessThan(0.05);
    }
    expect(f.cv_error!).toBeLessThan(f.line_cv_error!);
  });
});

describe('fitLinkLine(samples)', () => {
  it('weighs a size by its spread: a median whose repeats spread 10x barely moves a three-size line', () => {
    const line = (b: number) => 10e-6 + b / 4e9;
    const f = fitLinkLine([
      { bytes: 1 << 20, seconds: line(1 << 20), spread: 0.02 },
      { bytes: 4 << 20, seconds: line(4 << 20) * 1.5, spread: 10 },
      { bytes: 16 << 20, seconds: line(16 << 20), spread: 0.02 },
    ]);
    expect(Math.abs(f.bandwidth / 4e9 - 1)).toBeLessThan(0.01);
  });
});

describe('holdoutGain(base, errs)', () => {
  it('is the mean error saved without the size that saves most', () => {
    expect(holdoutGain([0.1, 0.1, 0.1, 0.9], [0.1, 0.1, 0.1, 0.1])).toBe(0); // one size alone
    expect(holdoutGain([0.3, 0.2, 0.1], [0.1, 0.1, 0.1])).toBeCloseTo(0.05, 12);
  });
  it('has the standard error of that mean', () => {
    // Savings 0.1 and 0 (the best, 0.2, left out): mean 0.05, sd 0.0707, over sqrt(2).
    expect(holdoutGainError([0.3, 0.2, 0.1], [0.1, 0.1, 0.1])).toBeCloseTo(0.05, 12);
    expect(holdoutGainError([0.2, 0.2, 0.2], [0.1, 0.1, 0.1])).toBeCloseTo(0, 12);
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
