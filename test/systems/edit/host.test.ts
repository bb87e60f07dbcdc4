/**
 * `model.host`: per-step host (eager PyTorch) time from ops counted in FlashPS's artifact, on hand
 * timelines. A step of B requests, L of them loading their cache, takes
 *     serial + max(issue, GPU)        (overlapped, the default)
 *     serial + issue + GPU            (serial)
 * with serial = op (54 + 47 B) and issue = op (5781 + 266 L) for Flux (host.ts), op = 15 us.
 */
import { describe, expect, it } from 'vitest';
import { BatchShape, EditCosts, resolveEditModel, simulateEdit, StepPlanner, type EditModelConfig, type EditPolicyConfig } from '../../../src/systems/edit/index.js';
import { LOADING_POLICIES } from '../../../src/systems/edit/policies/loading/index.js';
import { EAGER_OP_SECONDS } from '../../../src/cost/host.js';
import { EDIT_HOST_COUNTS } from '../../../src/systems/edit/host.js';
import { EDIT_MODELS } from '../../../src/systems/edit/models.js';
import { EDIT_MODEL_NAMES } from '../../../src/workloads/edit/models.js';
import { ConfigError } from '../../../src/errors.js';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { input, recorder, traceFile, uniformBatch } from './helpers.js';

const J = 0.1;
const OP = 15e-6;
/** Flux's counted ops per step (host.ts): issued (per batch, per loading request), serial (per batch, per request). */
const ISSUE_BATCH = 100 + 19 * 151 + 38 * 74;
const ISSUE_CACHED = 19 * 4 + 38 * 5;
const serial = (B: number, op = OP) => op * (54 + 47 * B);
const issue = (L: number, op = OP) => op * (ISSUE_BATCH + ISSUE_CACHED * L);

/** GPU-only step time of n identical requests at mask m (loading when cached), from the host-free model. */
function gpuStep(n: number, m: number, cached: boolean, loading: 'pipeline' | 'sequential' = 'pipeline'): number {
  const hw = input({ workload: {} }).hardware;
  const costs = new EditCosts(resolveEditModel({ preset: 'flux', host: 'off' }), hw.gpuCost, hw.pcie, hw.gpu);
  const planner = new StepPlanner(costs, LOADING_POLICIES[loading]());
  return planner.plan(uniformBatch(n, cached ? m : 1, cached ? 1 - m : 0)).time;
}

function fixedParts(model: EditModelConfig = { preset: 'flux', host: 'counted' }) {
  const hw = input({ workload: {} }).hardware;
  const costs = new EditCosts(resolveEditModel(model), hw.gpuCost, hw.pcie, hw.gpu);
  return { te: (n: number) => costs.textEncoderSeconds(n), vae: (rho: number) => costs.vaeSeconds(rho) };
}

async function run(rows: Array<[number, string, string, number]>, model: EditModelConfig, policy: EditPolicyConfig = {}, detailed = false) {
  const rec = recorder();
  const inp = input({ model, workload: { trace: traceFile(`host-${rows.length}.csv`, rows) }, policy: { balance: 'round-robin', join_cpu_ms: J * 1000, prepare: 'inline-interruption', ...policy } });
  if (detailed) inp.trace = new WindowRecorder();
  await simulateEdit(inp, rec.hooks);
  return rec;
}

describe('model.host: the counts', () => {
  it('off by default; `counted` gives the artifact ops at EAGER_OP_SECONDS, overlapped', () => {
    expect(EAGER_OP_SECONDS).toBe(15e-6);
    const h = resolveEditModel({ preset: 'flux', host: 'counted' }).host!;
    expect(h).toEqual({ opSeconds: 15e-6, overlap: 'overlapped', issueBatch: ISSUE_BATCH, issueRequest: 0, issueCached: ISSUE_CACHED, serialBatch: 54, serialRequest: 47 });
    expect(ISSUE_BATCH).toBe(5781);
    expect(resolveEditModel({ preset: 'flux', host: {} }).host).toEqual(h);
    expect(resolveEditModel({ preset: 'flux', host: 'off' }).host).toBeUndefined();
    expect(resolveEditModel({ preset: 'flux' }).host).toBeUndefined();
    expect(resolveEditModel({ preset: 'sdxl' }).host).toBeUndefined();
    expect(resolveEditModel({ preset: 'sd2.1' }).host).toBeUndefined();
  });

  it('overrides keep the counts they do not name', () => {
    const h = resolveEditModel({ preset: 'flux', host: { op_us: 10, overlap: 'serial', blocks: { single: { batch: 10, request: 1 } } } }).host!;
    expect(h.opSeconds).toBeCloseTo(10e-6, 15);
    expect(h.overlap).toBe('serial');
    expect(h.issueBatch).toBe(100 + 19 * 151 + 38 * 10);
    expect(h.issueCached).toBe(19 * 4 + 38 * 1);
    // The UNets' counts are kept where an override does not name them.
    const sdxl = resolveEditModel({ preset: 'sdxl', host: { op_us: 10, issue: { batch: 1, request: 0 } } }).host!;
    expect(sdxl.issueBatch).toBe(1 + 70 * 55);
    expect(sdxl.serialBatch).toBe(121);
    expect(() => resolveEditModel({ preset: 'flux', host: { blocks: { triple: { batch: 1, request: 0 } } } })).toThrow("blocks.triple: flux has no block group 'triple' (groups: double, single)");
    const sd = resolveEditModel({ preset: 'sd2.1', host: { blocks: { 'attn-64': { batch: 100, request: 2 }, 'attn-32': { batch: 100, request: 2 }, 'attn-16': { batch: 100, request: 2 }, 'mid-8': { batch: 100, request: 2 } }, issue: { batch: 10, request: 1 }, serial: { batch: 5, request: 3 } } }).host!;
    expect(sd.issueBatch).toBe(10 + 16 * 100);
    expect(sd.issueCached).toBe(16 * 2);
  });
});

it('every preset counts exactly its block groups', () => {
  for (const name of EDIT_MODEL_NAMES) expect(Object.keys(EDIT_HOST_COUNTS[name].blocks).sort(), name).toEqual(Object.keys(EDIT_MODELS[name].groups).sort());
});

describe('model.host: the UNets (counted in the artifact\'s SD2 path, host.ts)', () => {
  it('sd2.1: 16 blocks of 58 + 5 per loading request, 509 + 2 B issued outside them, 121 + 143 B serial', () => {
    // Issue outside the blocks, by hand: UNet forward 27 (3 prints, repeat_interleave, timestep
    // embedding 15, to, TimestepEmbedding 3, conv_in, norm/act/conv_out 3); ResNets and samplers
    // 27 + 29 + 29 + 26 (down) + 26 (mid) + 50 + 50 + 50 + 48 (up); 16 wrappers x 9; 3 in the pipeline.
    const outside = 3 + 1 + 15 + 1 + 3 + 1 + 3;
    const resnets = 2 * 13 + 1 + (15 + 13 + 1) * 2 + 2 * 13 + 2 * 13 + 3 * (3 * (1 + 15) + 2) + 3 * (1 + 15);
    expect([outside, resnets]).toEqual([27, 335]);
    // A block: the layer loop 13 and compute 45 (norm1, self-attention 14, scatter, add, norm2,
    // cross-attention 16, add, norm3, ff gather, FeedForward 6, ff scatter, add).
    const block = 13 + (1 + 14 + 1 + 1 + 1 + 16 + 1 + 1 + 1 + 6 + 1 + 1);
    expect(block).toBe(58);
    const h = resolveEditModel({ preset: 'sd2.1', host: 'counted' }).host!;
    expect(h).toEqual({ opSeconds: 15e-6, overlap: 'overlapped', issueBatch: outside + resnets + 16 * 9 + 3 + 16 * block, issueRequest: 2, issueCached: 16 * 5, serialBatch: 121, serialRequest: 143 });
    expect(h.issueBatch).toBe(1437);
    // A lone loading request: 1,519 ops issued (22.8 ms) and 264 serial (3.96 ms).
    expect(h.opSeconds * (h.issueBatch + h.issueRequest + h.issueCached)).toBeCloseTo(0.022785, 9);
    expect(h.opSeconds * (h.serialBatch + h.serialRequest)).toBeCloseTo(0.00396, 9);
  });

  it('sdxl: 70 blocks of 55 + 3 (OOTD\'s flags, no cached ff), 410 + 2 B issued outside them', () => {
    const outside = 27 + 23;
    const resnets = 2 * 13 + 1 + (15 + 13 + 1) + (15 + 13) + 2 * 13 + 2 * (3 * 16 + 2) + 3 * 16;
    expect([outside, resnets]).toEqual([50, 258]);
    const h = resolveEditModel({ preset: 'sdxl', host: 'counted' }).host!;
    expect(h.issueBatch).toBe(outside + resnets + 11 * 9 + 3 + 70 * 55);
    expect([h.issueBatch, h.issueRequest, h.issueCached, h.serialBatch, h.serialRequest]).toEqual([4260, 2, 210, 121, 143]);
  });

  it('a lone sd2.1 request on one H800 takes serial + max(issue, GPU) a step', async () => {
    const m = 0.2;
    const hw = input({ workload: {} }).hardware;
    const model: EditModelConfig = { preset: 'sd2.1', host: 'counted' };
    const costs = new EditCosts(resolveEditModel({ preset: 'sd2.1', host: 'off' }), hw.gpuCost, hw.pcie, hw.gpu);
    const G = new StepPlanner(costs, LOADING_POLICIES.pipeline()).plan(uniformBatch(1, m, 1 - m)).time;
    const h = resolveEditModel(model).host!;
    const step = h.opSeconds * (h.serialBatch + h.serialRequest) + Math.max(h.opSeconds * (h.issueBatch + h.issueRequest + h.issueCached), G);
    expect(h.opSeconds * (h.issueBatch + h.issueRequest + h.issueCached)).toBeGreaterThan(G); // host-bound on an H800
    const fixed = new EditCosts(resolveEditModel(model), hw.gpuCost, hw.pcie, hw.gpu);
    const rec = await run([[0, 'r0', 't0', m]], model);
    expect(rec.done.get('r0')!.end).toBeCloseTo(J + fixed.textEncoderSeconds(1) + 50 * step + fixed.vaeSeconds(1), 9);
  });
});

describe('model.host: hand timelines (Flux, one H800)', () => {
  const te = fixedParts().te(1);
  const vae = fixedParts().vae(1);
  const N = 28;

  it('a lone masked request is host-bound: each step is serial + issue, the GPU idles for the rest', async () => {
    const m = 0.15;
    const G = gpuStep(1, m, true);
    const step = serial(1) + issue(1);
    expect(issue(1)).toBeGreaterThan(G); // host-bound: 90.7 ms of issue against ~60 ms of GPU
    const rec = await run([[0, 'r0', 't0', m]], { preset: 'flux', host: 'counted' });
    expect(rec.steps.reduce((a, s) => a + s.seconds, 0) / N).toBeCloseTo(step, 12);
    expect(rec.done.get('r0')!.end).toBeCloseTo(J + te + N * step + vae, 9);
    // Off, the same request takes its GPU steps only.
    const off = await run([[0, 'r0', 't0', m]], { preset: 'flux', host: 'off' });
    expect(off.done.get('r0')!.end).toBeCloseTo(J + te + N * G + vae, 9);
  });

  it('a lone full-compute request is GPU-bound: the host adds only its serial part', async () => {
    const G = gpuStep(1, 1, false);
    expect(issue(0)).toBeLessThan(G);
    const rec = await run([[0, 'r0', 't0', 0.15]], { preset: 'flux', host: 'counted' }, { compute: 'full' });
    expect(rec.done.get('r0')!.end).toBeCloseTo(J + te + N * (serial(1) + G) + vae, 9);
  });

  it('overlap: serial adds the issue to the GPU step', async () => {
    const m = 0.15;
    const rec = await run([[0, 'r0', 't0', m]], { preset: 'flux', host: { overlap: 'serial' } });
    expect(rec.done.get('r0')!.end).toBeCloseTo(J + te + N * (serial(1) + issue(1) + gpuStep(1, m, true)) + vae, 9);
  });

  it('a batch of four is GPU-bound again: the host costs it only its serial part, so batching gains more', () => {
    const m = 0.15;
    const hw = input({ workload: {} }).hardware;
    const planner = new StepPlanner(new EditCosts(resolveEditModel({ preset: 'flux', host: 'counted' }), hw.gpuCost, hw.pcie, hw.gpu), LOADING_POLICIES.pipeline());
    const shape = (n: number) => uniformBatch(n, m, 1 - m);
    const G4 = gpuStep(4, m, true);
    expect(issue(4)).toBeLessThan(G4);
    const t4 = planner.plan(shape(4)).time; // plan() returns a scratch object: read it at once
    expect(t4).toBeCloseTo(serial(4) + G4, 12);
    const t1 = planner.plan(shape(1)).time;
    expect(t1).toBeCloseTo(serial(1) + issue(1), 12);
    // The per-request gain of the batch: 4 t1 / t4, against 4 G1 / G4 without the host.
    expect((4 * t1) / t4).toBeGreaterThan((4 * gpuStep(1, m, true)) / G4);
  });

  it('t / t_full is flat while the lone masked step is host-bound: (fixed + N (serial + issue)) / (fixed + N (serial + G_full))', async () => {
    const full = (await run([[0, 'r0', 't0', 0.2]], { preset: 'flux', host: 'counted' }, { compute: 'full', join_cpu_ms: 0 })).done.get('r0')!.end;
    expect(full).toBeCloseTo(te + N * (serial(1) + gpuStep(1, 1, false)) + vae, 9);
    const flat = (te + N * (serial(1) + issue(1)) + vae) / full;
    expect(flat).toBeCloseTo(0.643, 3);
    for (const m of [0.05, 0.1, 0.2, 0.3, 0.4]) {
      expect(gpuStep(1, m, true)).toBeLessThan(issue(1));
      const t = (await run([[0, 'r0', 't0', m]], { preset: 'flux', host: 'counted' }, { join_cpu_ms: 0 })).done.get('r0')!.end;
      expect(t / full).toBeCloseTo(flat, 12);
    }
    // Past about m = 0.45 the GPU step outgrows the issue and the latency rises again.
    expect(gpuStep(1, 0.7, true)).toBeGreaterThan(issue(1));
  });

  it('op_us: 0 is the same timeline as off', async () => {
    const a = await run([[0, 'r0', 't0', 0.2]], { preset: 'flux', host: { op_us: 0 } });
    const b = await run([[0, 'r0', 't0', 0.2]], { preset: 'flux', host: 'off' });
    expect(a.done.get('r0')!.end).toBeCloseTo(b.done.get('r0')!.end, 12);
  });

  it('the detailed executor (block by block on Server and Link) ends every request where the fast one does', async () => {
    const rows: Array<[number, string, string, number]> = [
      [0, 'a', 't0', 0.15],
      [0.5, 'b', 't1', 0.3],
      [0.9, 'c', 't0', 0.1],
    ];
    for (const host of ['counted' as const, { overlap: 'serial' as const }, { op_us: 5 }]) {
      const model: EditModelConfig = { preset: 'flux', ...(host ? { host } : {}) };
      const fast = await run(rows, model);
      const slow = await run(rows, model, {}, true);
      for (const id of ['a', 'b', 'c']) expect(slow.done.get(id)!.end).toBeCloseTo(fast.done.get(id)!.end, 9);
    }
  });
});

describe('model.measured with model.host: k and e solved against the GPU share of a step', () => {
  const prices = (model: EditModelConfig, m: number, cached: boolean) => {
    const hw = input({ workload: {} }).hardware;
    const resolved = resolveEditModel(model);
    const costs = new EditCosts(resolved, hw.gpuCost, hw.pcie, hw.gpu);
    const s = new BatchShape().add(1, m, cached ? 1 - m : 0);
    costs.price(s);
    let gpu = 0;
    for (const g of resolved.blockGroup) gpu += cached ? costs.c[g]! : costs.f[g]!;
    const h = costs.hostStep(s, { serial: 0, issue: 0 });
    return { costs, gpu, h, fixed: costs.textEncoderSeconds(1) + costs.vaeSeconds(1) };
  };

  it('flashps-flux-h800 is refused at 15 us an op: 2.27 s at mask 0.2 is below the host floor', () => {
    expect(() => prices({ preset: 'flux', host: 'counted', measured: 'flashps-flux-h800' }, 0.2, true)).toThrow(ConfigError);
    expect(() => prices({ preset: 'flux', host: 'counted', measured: 'flashps-flux-h800' }, 0.2, true)).toThrow(/2270 ms is at or below the host floor of flux's lone masked request \(2\d{3}\.\d ms at 15\.0 us an op, model\.host\)/);
  });

  it('at 5 us an op both lone requests come out as measured: k fixed + N (serial + max(issue, k-scaled GPU))', () => {
    const model: EditModelConfig = { preset: 'flux', host: { op_us: 5 }, measured: 'flashps-flux-h800' };
    const N = 28;
    const full = prices(model, 1, false);
    const k = full.costs.calibration!.k;
    expect(full.fixed + N * (full.h.serial + Math.max(full.h.issue, full.gpu))).toBeCloseTo(4.313, 9);
    // The masked request loads its cache (one loading request's copies), loads hidden.
    const masked = prices(model, 0.2, true);
    expect(masked.h.issue).toBeCloseTo(issue(1, 5e-6), 12);
    expect(masked.fixed + N * (masked.h.serial + Math.max(masked.h.issue, masked.gpu))).toBeCloseTo(2.27, 9);
    // Host time in the lone latency lowers k below the host-free fit (1.069).
    const off = prices({ preset: 'flux', host: 'off', measured: 'flashps-flux-h800' }, 1, false).costs.calibration!.k;
    expect(k).toBeLessThan(off);
  });

  it('serial overlap: the host time is subtracted whole', () => {
    const model: EditModelConfig = { preset: 'flux', host: { op_us: 5, overlap: 'serial' }, measured: { full_ms: 4313 } };
    const full = prices(model, 1, false);
    expect(full.fixed + 28 * (full.h.serial + full.h.issue + full.gpu)).toBeCloseTo(4.313, 9);
  });
});
