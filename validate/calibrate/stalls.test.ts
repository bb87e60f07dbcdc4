import { describe, expect, it } from 'vitest';
import { poolStalls, stallsOf, stallsPerSync } from './stalls.js';

describe('stallsOf(probe times)', () => {
  it('counts runs above median + max(0.5 ms, median / 4) as one stall of their excess', () => {
    // 96 bursts of 20 ms and 4 stalled ones: +2 ms (under the 5 ms threshold), +6, +10, +30 ms.
    const times = [...Array(96).fill(0.02), 0.022, 0.026, 0.03, 0.05];
    const s = stallsOf(times);
    expect(s.probe_median_s).toBe(0.02);
    expect(s.threshold_s).toBeCloseTo(0.005, 12);
    expect(s.durations_s.map((d) => Math.round(d * 1e3))).toEqual([6, 10, 30]);
    const total = 96 * 0.02 + 0.022 + 0.026 + 0.03 + 0.05;
    expect(s.rate_per_s).toBeCloseTo(3 / total, 12);
    expect(s.seconds).toBeCloseTo(total, 12);
  });
  it('a steady device has no stalls; too few runs is an error', () => {
    expect(stallsOf(Array(50).fill(0.003)).rate_per_s).toBe(0);
    expect(() => stallsOf([0.01, 0.02])).toThrow('too few');
  });
  it('keeps at most 256 lengths, thinned evenly, for a long series', () => {
    const times = [...Array(1000).fill(0.01), ...Array.from({ length: 1000 }, (_, i) => 0.02 + i * 1e-5)];
    const s = stallsOf(times);
    expect(s.durations_s).toHaveLength(256);
    expect(s.rate_per_s * s.seconds).toBeCloseTo(1000, 6);
    expect([...s.durations_s].sort((a, b) => a - b)).toEqual(s.durations_s);
  });

  it('per sync: the stalls per burst; pooled probes sum their stalls, bursts and seconds', () => {
    // 100 bursts with 3 stalls (above): 0.03 per sync.
    const a = stallsOf([...Array(96).fill(0.02), 0.022, 0.026, 0.03, 0.05]);
    expect(stallsPerSync(a)).toBeCloseTo(3 / 100, 12);
    // 20 bursts of 10 ms, one +8 ms: 1 stall per 20.
    const b = stallsOf([...Array(19).fill(0.01), 0.018]);
    expect(stallsPerSync(b)).toBeCloseTo(1 / 20, 12);
    const p = poolStalls([a, b]);
    expect(p.probes).toBe(120);
    expect(p.seconds).toBeCloseTo(a.seconds + b.seconds, 12);
    expect(p.rate_per_s * p.seconds).toBeCloseTo(4, 9);
    expect(stallsPerSync(p)).toBeCloseTo(4 / 120, 12);
    expect(p.durations_s.map((d) => Math.round(d * 1e3))).toEqual([6, 8, 10, 30]);
    expect(stallsPerSync({ rate_per_s: 3 })).toBeUndefined();
  });
});
