/**
 * Timelines of tiny hand-computed runs, through the scenario layer (scenario text -> plan ->
 * recordTimeline -> Chrome trace) with the real systems.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/registry.js';
import { validateChromeTrace, type ChromeTrace } from '../../src/report/chrome-trace.js';
import { loadScenarioSource } from '../../src/scenario/load.js';
import { parseScenarioText } from '../../src/scenario/source.js';
import { recordTimeline } from '../../src/scenario/timeline.js';
import { BatchShape, EditCosts, resolveEditModel } from '../../src/systems/edit/index.js';
import { T2I_TINY, T2I_TINY_CSV, T2I_TINY_SLICES } from '../fixtures/t2i-tiny.js';
import { resolveHardware } from '../../src/systems/hardware.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-timeline-'));
const plan = (text: string) => loadScenarioSource(parseScenarioText(text, 'tl.yaml'), dir, { registry: REGISTRY }).plan;
const slices = (t: ChromeTrace) => t.traceEvents.filter((e) => e.ph === 'X');
const threadOf = (t: ChromeTrace) => new Map(t.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, String(e.args!.name)]));
const counters = (t: ChromeTrace, name: string) => t.traceEvents.filter((e) => e.ph === 'C' && e.name === name).map((e) => [e.ts, e.args!.value]);

describe('recordTimeline(registry, plan): hand-computed tiny cases', () => {
  it('t2i: exactly the expected slices (µs) and queue counter, and a valid trace', async () => {
    writeFileSync(join(dir, 'tiny.csv'), T2I_TINY_CSV);
    const { trace, run } = await recordTimeline(REGISTRY, plan(T2I_TINY));
    expect(run).toBe('p0/sync/r0');
    const tid = threadOf(trace);
    expect(slices(trace).map((e) => [tid.get(e.tid), e.name, e.ts, e.dur, e.args!.request])).toEqual(T2I_TINY_SLICES);
    // r0 queued and taken at 0; r1 queued at 50 ms, taken at 130 ms.
    expect(counters(trace, 'gpu0 queue')).toEqual([[0, 1], [0, 0], [50_000, 1], [130_000, 0]]);
    expect(counters(trace, 'gpu0 hbm').length).toBeGreaterThan(0);
    expect(trace.otherData).toMatchObject({ scenario: 't2i-tiny', policy: 'sync', seed: 1, dropped_events: 0 });
    expect(validateChromeTrace(JSON.parse(JSON.stringify(trace)))).toEqual([]);
  });

  it('t2i: a window keeps its part, clipped, with the queue level at its start', async () => {
    const { trace } = await recordTimeline(REGISTRY, plan(T2I_TINY), { window: { start: 0.06, end: 0.135 } });
    const tid = threadOf(trace);
    expect(slices(trace).map((e) => [tid.get(e.tid), e.name, e.ts, e.dur])).toEqual([
      ['gpu0', 'denoise', 60_000, 50_000],
      ['gpu0', 'vae', 110_000, 20_000],
      ['gpu0', 'text_encoder', 130_000, 5_000],
    ]);
    expect(counters(trace, 'gpu0 queue')).toEqual([[60_000, 1], [130_000, 0]]);
    expect(trace.otherData).toMatchObject({ window_start_s: 0.06, window_end_s: 0.135, complete_until_s: 0.135 });
  });

  it('edit: one full-compute request is join (CPU), text encoder, every block of every step, VAE, back to back', async () => {
    writeFileSync(join(dir, 'edit.csv'), 'arrival_s,request,template,mask_ratio\n0,r0,t0,0.2\n');
    const p = plan(`
name: edit-tiny
system: edit
hardware: { gpu: h800, gpus: 1 }
model: { preset: sdxl }
workload: { trace: edit.csv }
policies:
  - label: full
    policy: { compute: full }
`);
    const { trace } = await recordTimeline(REGISTRY, p);
    // The same prices the system uses: full recompute of each block, from the cost model.
    const hw = resolveHardware({ gpu: 'h800', gpus: 1 });
    const model = resolveEditModel({ preset: 'sdxl' });
    const costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
    costs.price(new BatchShape().add(1, 1, 0));
    const f = Array.from(model.blockGroup, (g) => costs.f[g]!);
    const expected: Array<[string, string, number, number]> = [];
    let t = 0;
    const push = (track: string, name: string, d: number) => {
      expected.push([track, name, t, t + d]);
      t += d;
    };
    push('gpu0 cpu', 'join', 0.002);
    push('gpu0', 'text_encoder', costs.textEncoderSeconds(1));
    for (let s = 0; s < model.steps; s++) for (const d of f) push('gpu0', 'block', d);
    push('gpu0', 'vae', costs.vaeSeconds(1));
    const tid = threadOf(trace);
    const got = slices(trace).map((e) => [tid.get(e.tid), e.name, e.ts!, e.ts! + e.dur!]);
    expect(got.length).toBe(expected.length);
    got.forEach((g, i) => {
      const [track, name, a, b] = expected[i]!;
      expect([g[0], g[1]]).toEqual([track, name]);
      expect(g[2] as number).toBeCloseTo(a * 1e6, 1);
      expect(g[3] as number).toBeCloseTo(b * 1e6, 1);
    });
    expect(slices(trace).filter((e) => e.name === 'block').every((e) => e.args!.decision === 'recompute' && e.args!.request === 'r0')).toBe(true);
    expect(counters(trace, 'gpu0 queue')).toEqual([[0, 1], [0, 0]]);
    expect(validateChromeTrace(trace)).toEqual([]);
  });

  it('moe: with a cache of one expert, the change of expert is one fetch: is one h2d slice with its decision and bytes', async () => {
    writeFileSync(join(dir, 'moe.csv'), ['request,token,layer,experts', ...[0, 0, 1, 1].map((e, t) => `0,${t},0,${e}`)].join('\n') + '\n');
    const p = plan(`
name: moe-tiny
system: moe
hardware: { gpu: h100-pcie }
model: { preset: mixtral-8x7b-fp16, layers: 1, experts: 4, top_k: 1, expert_mb: 10, resident_gib: 0, reserve_gib: 0, max_context: 1 }
workload: { trace: moe.csv }
policies:
  - label: lru
    policy: { cache_experts: 1 }
`);
    const { trace } = await recordTimeline(REGISTRY, p);
    const tid = threadOf(trace);
    const fetches = slices(trace).filter((e) => tid.get(e.tid) === 'pcie h2d');
    // The cache starts holding expert 0 (filled at load); the change to expert 1 is the one fetch.
    expect(fetches.map((e) => [e.name, e.args!.expert, e.args!.decision, e.args!.bytes])).toEqual([['fetch', 1, 'fetch', 1e7]]);
    // The fetch goes straight into service: the demand queue (fetches waiting for the link) stays empty.
    expect(counters(trace, 'pcie h2d demand queue').map(([, v]) => v)).toEqual([0]);
    expect(new Set([...tid.values()])).toEqual(new Set(['gpu', 'pcie h2d', 'gpu memory', 'pcie h2d demand queue', 'pcie h2d prefetch queue', 'cpu queue']));
    expect(validateChromeTrace(trace)).toEqual([]);
  });
});
