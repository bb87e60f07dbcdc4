import { describe, expect, it } from 'vitest';
import { ProfileCost, type CostModel } from '../../src/cost/model.js';
import type { Op } from '../../src/cost/ops.js';
import type { Profile } from '../../src/hardware/profile.js';
import { gflopProfile } from './test-profile.js';
import { runInSimulator } from './sim-driver.js';
import type { Cmd, Workload } from './stream.js';

/** gemm at 1 GFLOP/s (no memory roof, no overhead); h2d 1 GB/s; d2h 1 ms + 1 GB/s. */
const profile = (overlap: number): Profile => gflopProfile('gemm_f32', overlap);

const noFallback: CostModel = {
  overlap: 1,
  opSeconds: () => {
    throw new Error('unfitted op');
  },
  source: () => 'none',
  link: () => undefined,
};

const ms10: Op = { kind: 'gemm', flops: 1e7, bytes: 0, dtype: 'fp32' };

/** Run `cmds` and return the clock seen after each. */
function times(
  overlap: number,
  cmds: Cmd[],
  host: { issueSeconds?: number; sharedCores?: boolean; uploadHostShare?: number; stalls?: { rate_per_s: number; durations_s: number[]; per_sync?: number }; seed?: number } = {},
): number[] {
  const p = profile(overlap);
  const seen: number[] = [];
  function* wl(): Workload {
    for (const c of cmds) seen.push(yield c);
  }
  runInSimulator({ cost: new ProfileCost(p, noFallback), h2d: p.links['h2d']!, d2h: p.links['d2h']!, ...host }, wl());
  return seen;
}

const upload = (slot: string, ms: number): Cmd => ({ t: 'upload', slot, source: 'x', bytes: ms * 1e6 });
const compute = (key: string, slots: string[] = []): Cmd => ({ t: 'compute', key, op: ms10, slots });
const sync: Cmd = { t: 'sync', bytes: 0 };

describe('runInSimulator(profile, workload)', () => {
  it('an upload queued ahead of independent compute hides under it when the device overlaps fully', () => {
    const t = times(1, [upload('a', 5), compute('x'), compute('y', ['a']), sync]);
    expect(t[3]).toBeCloseTo(0.021, 12); // upload 0-5 alongside x 0-10, y 10-20, readback 1 ms
  });
  it('an upload queued behind compute starts when that compute is done (one in-order queue)', () => {
    // x 0-10, the copy 10-15 (the host issued it at 0), y 15-25, +1: a demand fetch right before
    // its reader pays the whole copy, whatever the overlap.
    expect(times(1, [compute('x'), upload('a', 5), compute('y', ['a']), sync])[3]).toBeCloseTo(0.026, 12);
    expect(times(0.5, [compute('x'), upload('a', 5), compute('y', ['a']), sync])[3]).toBeCloseTo(0.026, 12);
  });
  it('an upload serialises with compute in issue order when overlap is 0', () => {
    const t = times(0, [upload('a', 5), compute('x'), compute('y', ['a']), sync]);
    expect(t[3]).toBeCloseTo(0.026, 12); // upload's stream share 0-5, x 5-15, y 15-25, +1
  });
  it('a partial overlap puts (1 - overlap) of the copy on the stream', () => {
    const t = times(0.5, [upload('a', 5), compute('x'), compute('y', ['a']), sync]);
    expect(t[3]).toBeCloseTo(0.0235, 12); // share 0-2.5, x 2.5-12.5 (copy done at 5), y to 22.5, +1
  });
  it('a host-side upload (host share 1) with full overlap hidden behind queued compute costs nothing', () => {
    const host = { uploadHostShare: 1 };
    const without = times(1, [compute('x'), compute('y'), sync], host)[2]!;
    expect(without).toBeCloseTo(0.021, 12);
    // x 0-10 on the device while the host copies 0-5; y is issued at 5 and runs 10-20; +1.
    expect(times(1, [compute('x'), upload('a', 5), compute('y', ['a']), sync], host)[3]).toBeCloseTo(without, 12);
  });
  it('a host-side upload delays the commands behind it: queued first, it hides nothing', () => {
    // The host copies 0-5 before it can issue x: x 5-15, y 15-25, +1.
    expect(times(1, [upload('a', 5), compute('x'), compute('y', ['a']), sync], { uploadHostShare: 1 })[3]).toBeCloseTo(0.026, 12);
  });
  it('a host-side upload on a partly overlapping device takes (1 - overlap) from the compute stream', () => {
    // x 0-10; the copy's stream share 2.5 ms queued behind x: 10-12.5; y 12.5-22.5; +1.
    expect(times(0.5, [compute('x'), upload('a', 5), compute('y', ['a']), sync], { uploadHostShare: 1 })[3]).toBeCloseTo(0.0235, 12);
  });
  it('a host share splits the copy: the host copies its part, the device moves the rest in queue order', () => {
    // Host 0-2 (share 0.4 of 5 ms); the device's 3 ms starts once x (0-10) is done: 10-13; y 13-23; +1.
    expect(times(1, [compute('x'), upload('a', 5), compute('y', ['a']), sync], { uploadHostShare: 0.4 })[3]).toBeCloseTo(0.024, 12);
  });
  it('compute waits for the upload of the slot it reads', () => {
    const t = times(1, [upload('a', 5), compute('y', ['a']), sync]);
    expect(t[2]).toBeCloseTo(0.016, 12);
  });
  it('an upload into a slot waits for the compute that last read it (write after read)', () => {
    const t = times(1, [upload('a', 5), compute('z', ['a']), upload('a', 5), compute('w', ['a']), sync]);
    expect(t[4]).toBeCloseTo(0.031, 12); // a 0-5, z 5-15, a again 15-20, w 20-30, +1
  });
  it('uploads issued together share the link bandwidth', () => {
    const t = times(1, [upload('a', 4), upload('b', 4), compute('y', ['a']), sync]);
    expect(t[3]).toBeCloseTo(0.019, 12); // both finish at 8 ms, y 8-18, +1
  });
  it('waits for arrivals and pays the readback per byte', () => {
    const t = times(1, [{ t: 'wait_until', time: 0.5 }, compute('x'), { t: 'sync', bytes: 1e6 }]);
    expect(t[0]).toBeCloseTo(0.5, 12);
    expect(t[2]).toBeCloseTo(0.5 + 0.01 + 0.001 + 0.001, 12);
  });
  it('a host issue cost delays each command; on shared cores it also takes device time', () => {
    // Host: compute issued at 1 ms, runs 1-11; the sync is issued at 2 ms, waits to 11, +1 ms.
    expect(times(1, [compute('x'), sync], { issueSeconds: 1e-3 })[1]).toBeCloseTo(0.012, 12);
    // Shared cores: the issue work of each command also occupies the stream (0-1, then 11-12).
    expect(times(1, [compute('x'), sync], { issueSeconds: 1e-3, sharedCores: true })[1]).toBeCloseTo(0.013, 12);
  });
  it('stalls lengthen compute by rate x time x mean length, repeatably per seed', () => {
    // 200 ops of 10 ms = 2 s of compute; 5 stalls/s of 4 ms each add 40 ms on average.
    const cmds = [...Array.from({ length: 200 }, (_, i) => compute(`k${i}`)), sync];
    const stalls = { rate_per_s: 5, durations_s: [0.004] };
    const base = times(1, cmds).at(-1)!;
    expect(base).toBeCloseTo(2.001, 9);
    const extra = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => times(1, cmds, { stalls, seed }).at(-1)! - base);
    // Each extra is a whole number of 4 ms stalls (Poisson, mean 10); their mean is near 40 ms.
    for (const e of extra) expect(Math.abs(e / 0.004 - Math.round(e / 0.004))).toBeLessThan(1e-6);
    const mean = extra.reduce((a, b) => a + b, 0) / extra.length;
    expect(mean).toBeGreaterThan(0.04 - 3 * Math.sqrt(10 / 8) * 0.004);
    expect(mean).toBeLessThan(0.04 + 3 * Math.sqrt(10 / 8) * 0.004);
    expect(times(1, cmds, { stalls, seed: 3 })).toEqual(times(1, cmds, { stalls, seed: 3 }));
    expect(times(1, cmds, { stalls: { rate_per_s: 0, durations_s: [] }, seed: 3 }).at(-1)).toBe(base);
  });
  it('per-sync stalls: a sync stalls with the probe\'s per-burst probability, however much compute it closes', () => {
    // 200 ops of 10 ms closed by one sync: per_sync 1 adds exactly one 4 ms stall (the per-second
    // form at 5/s would add ~40 ms); per_sync 0 adds none.
    const long = [...Array.from({ length: 200 }, (_, i) => compute(`k${i}`)), sync];
    const base = times(1, long).at(-1)!;
    const stall = (per_sync: number) => ({ rate_per_s: 5, durations_s: [0.004], per_sync });
    expect(times(1, long, { stalls: stall(1), seed: 1 }).at(-1)! - base).toBeCloseTo(0.004, 12);
    expect(times(1, long, { stalls: stall(0), seed: 1 }).at(-1)).toBe(base);
    // 200 syncs of one op each at per_sync 0.5: about 100 stalls (binomial sd ~7), none inside ops.
    const short = Array.from({ length: 200 }, (_, i) => [compute(`s${i}`), sync]).flat();
    const plain = times(1, short).at(-1)!;
    const extra = times(1, short, { stalls: stall(0.5), seed: 2 }).at(-1)! - plain;
    const n = extra / 0.004;
    expect(Math.abs(n - Math.round(n))).toBeLessThan(1e-6);
    expect(n).toBeGreaterThan(100 - 3 * Math.sqrt(50));
    expect(n).toBeLessThan(100 + 3 * Math.sqrt(50));
  });
  it('refuses ops the profile did not fit', () => {
    expect(() => times(1, [{ t: 'compute', key: 'a', op: { ...ms10, kind: 'vae' }, slots: [] }])).toThrow('unfitted');
  });
});
