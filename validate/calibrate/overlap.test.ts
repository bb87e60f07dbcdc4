import { describe, expect, it } from 'vitest';
import { overlapFromTimings } from './overlap.js';

describe('overlapFromTimings(medians)', () => {
  // base (touch + sync) 1 ms; copy 10 ms net, 9.5 ms of it inside writeBuffer; compute 20 ms net.
  const t = { base: 0.001, copy: 0.011, compute: 0.021, behind: 0.023, ahead: 0.031, host_copy: 0.0095 };

  it('subtracts the base from every case', () => {
    const m = overlapFromTimings(t);
    expect(m.copy_s).toBeCloseTo(0.01, 12);
    expect(m.compute_s).toBeCloseTo(0.02, 12);
    expect(m.behind_s).toBeCloseTo(0.022, 12);
    expect(m.ahead_s).toBeCloseTo(0.03, 12);
  });

  it('overlap = (copy + compute - behind) / copy; ahead likewise; host share = host / copy', () => {
    const m = overlapFromTimings(t);
    expect(m.overlap).toBeCloseTo((10 + 20 - 22) / 10, 12); // 0.8
    expect(m.overlap_ahead).toBe(0); // 10 + 20 - 30 = 0 hidden
    expect(m.host_share).toBeCloseTo(0.95, 12);
  });

  it('clamps: a case faster than its longer part is full overlap, one slower than the sum none', () => {
    const m = overlapFromTimings({ ...t, behind: 0.019, ahead: 0.045 });
    expect(m.overlap).toBe(1); // 18 ms < compute alone: noise, not more than full overlap
    expect(m.overlap_ahead).toBe(0); // 44 ms > 30: serial and then some
    expect(overlapFromTimings({ ...t, host_copy: 0.02 }).host_share).toBe(1);
  });

  it('a shorter compute divides by it (the probe sizes compute above the copy to avoid this)', () => {
    // copy 10, compute 4, behind 11: hidden 3 of min(10, 4) = 0.75.
    expect(overlapFromTimings({ ...t, compute: 0.005, behind: 0.012 }).overlap).toBeCloseTo(0.75, 12);
  });
});
