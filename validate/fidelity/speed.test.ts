import { describe, expect, it } from 'vitest';
import { ProfileCost, type CostModel } from '../../src/cost/model.js';
import type { Op } from '../../src/cost/ops.js';
import { gflopProfile } from './test-profile.js';
import { runInSimulator } from './sim-driver.js';
import { emptyRecord, type Cmd, type RunRecord, type Workload } from './stream.js';
import { metricsOf } from './validate.js';
import { factorsOf, fitKey, meanSpeed, representative, ScaledCost, speedEntries, type OpShape } from './speed.js';

const ffn = (flops: number, dtype: 'fp16' | 'fp32' = 'fp16'): Op => ({ kind: 'expert_ffn', flops, bytes: 0, dtype });
/** Each op costs its FLOPs in ms: 1 FLOP = 1 ms. */
const perFlop: CostModel = { overlap: 1, opSeconds: (op) => op.flops * 1e-3, source: () => 'flat', link: () => undefined };

describe('speedEntries / meanSpeed / ScaledCost', () => {
  it('weights each shape by how often the workload issues it', () => {
    // Shape A 3x at 1 ms in the profile, 0.5 now; shape B 1x at 2 ms, 3 now.
    // Profile mean (3*1 + 2) / 4 = 1.25 ms, now (1.5 + 3) / 4 = 1.125 ms: factor 0.9.
    const [e] = speedEntries([
      { key: 'expert_ffn_f16', shape: { m: 1 }, count: 3, profile_s: 1e-3, now_s: 0.5e-3 },
      { key: 'expert_ffn_f16', shape: { m: 2 }, count: 1, profile_s: 2e-3, now_s: 3e-3 },
    ]);
    expect(e).toMatchObject({ key: 'expert_ffn_f16', shapes: 2, ops: 4 });
    expect(e!.profile_ms).toBeCloseTo(1.25, 12);
    expect(e!.now_ms).toBeCloseTo(1.125, 12);
    expect(e!.factor).toBeCloseTo(0.9, 12);
  });
  it('the mean of several timings is the mean op time, its factor against the profile', () => {
    const at = (now: number) => [{ key: 'k', shapes: 1, ops: 5, profile_ms: 2, now_ms: now, factor: now / 2 }];
    const [m] = meanSpeed([at(1), at(2), at(6)]);
    expect(m!.now_ms).toBeCloseTo(3, 12);
    expect(m!.factor).toBeCloseTo(1.5, 12);
    expect(() => meanSpeed([at(1), [{ ...at(1)[0]!, ops: 4 }]])).toThrow('disagree');
  });
  it('scales only the ops of the keys it was given, by their factor', () => {
    const c = new ScaledCost(perFlop, { expert_ffn_f16: 0.5 });
    expect(fitKey(ffn(10))).toBe('expert_ffn_f16');
    expect(c.opSeconds(ffn(10))).toBeCloseTo(5e-3, 15);
    expect(c.opSeconds(ffn(10, 'fp32'))).toBeCloseTo(10e-3, 15);
    expect(c.opSeconds({ kind: 'gemv', flops: 4, bytes: 0, dtype: 'fp16' })).toBeCloseTo(4e-3, 15);
    expect(() => new ScaledCost(perFlop, { k: 0 })).toThrow('positive');
    expect(() => new ScaledCost(perFlop, { k: Number.NaN })).toThrow('positive');
  });
  it('a few representative shapes keep the weighted total of all of them', () => {
    // FLOPs 1..10, once each: runs 1-5 and 6-10, middles 3 and 8, each carrying its run's
    // priced time: counts 15/3 = 5 and 40/8 = 5; 5*3 + 5*8 = 55 = 1 + ... + 10.
    const shapes: OpShape[] = Array.from({ length: 10 }, (_, i) => ({ family: 'expert_ffn', shape: { f: i + 1 }, op: ffn(i + 1), count: 1 }));
    const r = representative(shapes, perFlop, 2);
    expect(r.map((s) => s.op.flops)).toEqual([3, 8]);
    expect(r.map((s) => s.count)).toEqual([5, 5]);
    expect(representative(shapes, perFlop, 12)).toEqual(shapes);
  });
});

/**
 * The case that hid in the committed lavapipe table: the simulator priced each op at the
 * profile's speed, a device under less load ran it faster. Hand-computed on a tiny decode:
 * three requests (arrivals 0, 0.5 s, 1 s) of two tokens, a token = two 10 ms ops + a 1 ms
 * readback. Priced at the profile: a token 21 ms, request latency 42 ms. On a device whose ops
 * take 6 ms (x0.6, what the speed probe measures): 13 ms and 26 ms. Makespan barely moves
 * (1.042 vs 1.026 s, +1.6%) and so does tokens/s: under open-loop arrivals below saturation they
 * follow the arrival times, which is why tokens/s agreeing said nothing about per-token time.
 */
describe('pricing at the device speed now (validate on a software adapter)', () => {
  const profile = gflopProfile('expert_ffn_f16');
  const noFallback: CostModel = { overlap: 1, opSeconds: () => Number.NaN, source: () => 'none', link: () => undefined };
  const op10 = ffn(1e7); // 10 ms at 1 GFLOP/s
  const arrivals = [0, 0.5, 1];
  function* decode(rec: RunRecord): Workload {
    let now = 0;
    for (const [id, arrival] of arrivals.entries()) {
      if (arrival > now) now = yield { t: 'wait_until', time: arrival };
      for (let t = 0; t < 2; t++) {
        const start = now;
        for (const key of ['a', 'b']) yield { t: 'compute', key, op: op10, slots: [] } satisfies Cmd;
        now = yield { t: 'sync', bytes: 0 };
        rec.unitLatencies.push(now - start);
      }
      rec.requests.push({ id, arrival, done: now, units: 2 });
    }
    rec.makespan = now;
  }
  const run = (cost: CostModel) => {
    const rec = emptyRecord();
    runInSimulator({ cost, h2d: profile.links['h2d']!, d2h: profile.links['d2h']! }, decode(rec));
    return metricsOf(rec);
  };
  const base = new ProfileCost(profile, noFallback);

  it('at the profile speed: 21 ms a token, 42 ms a request', () => {
    const m = run(base);
    expect(m.unit_mean_ms).toBeCloseTo(21, 9);
    expect(m.latency_mean_ms).toBeCloseTo(42, 9);
    expect(m.makespan_ms).toBeCloseTo(1042, 9);
  });
  it('at the speed measured now (x0.6): 13 ms a token, 26 ms a request; tokens/s within 2%', () => {
    const now = run(new ScaledCost(base, factorsOf([{ key: 'expert_ffn_f16', shapes: 1, ops: 12, profile_ms: 10, now_ms: 6, factor: 0.6 }])));
    expect(now.unit_mean_ms).toBeCloseTo(13, 9);
    expect(now.latency_mean_ms).toBeCloseTo(26, 9);
    expect(now.makespan_ms).toBeCloseTo(1026, 9);
    const before = run(base);
    expect(before.throughput_per_s / now.throughput_per_s).toBeGreaterThan(0.98);
    expect(before.unit_mean_ms / now.unit_mean_ms).toBeCloseTo(21 / 13, 9);
  });
});
