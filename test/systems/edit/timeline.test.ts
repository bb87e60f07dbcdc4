import { describe, expect, it } from 'vitest';
import { BatchShape, EditCosts, planPipeline, resolveEditModel, simulateEdit, type EditPolicyConfig } from '../../../src/systems/edit/index.js';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { input, recorder, traceFile } from './helpers.js';

const mask = 0.2;
// A pageable PCIe4 link (12.5 GB/s): with the derived SDXL cache (0.39 GiB per step) loads outrun
// the masked compute there, so the three loading schedules differ (on pinned PCIe5 they do not).
const SLOW = { pcie: 'pcie4-pageable' };

/** Per-block prices of one SDXL request with mask `mask` on h800 / pageable PCIe4, from the cost model alone. */
function blocks() {
  const hw = input({ hardware: SLOW, workload: {} }).hardware;
  const model = resolveEditModel({ preset: 'sdxl' });
  const costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
  costs.price(new BatchShape().add(1, mask, 1 - mask));
  const at = (xs: Float64Array) => Array.from(model.blockGroup, (g) => xs[g]!);
  return { model, costs, l: at(costs.l), c: at(costs.c), f: at(costs.f), fixed: 0.002 + costs.textEncoderSeconds(1) + costs.vaeSeconds(1) };
}

async function one(policy: EditPolicyConfig, detailed = false) {
  const rec = recorder();
  const inp = input({ hardware: SLOW, workload: { trace: traceFile('one.csv', [[0, 'r0', 't0', mask]]) }, policy: { balance: 'round-robin', ...policy } });
  if (detailed) inp.trace = new WindowRecorder();
  const out = await simulateEdit(inp, rec.hooks);
  return { out, r: rec.done.get('r0')!, steps: rec.steps, trace: inp.trace as WindowRecorder | undefined };
}

describe('one request on one GPU: hand-computed timelines', () => {
  const { model, l, c, f, fixed } = blocks();
  const k = model.k;
  const steps = model.steps;

  it('sequential loading: latency = join + text encoder + steps x sum(load + compute) + VAE', async () => {
    const step = l.reduce((a, x, b) => a + x + c[b]!, 0);
    const { r, out } = await one({ loading: 'sequential' });
    expect(r.start).toBe(0);
    expect(r.end).toBeCloseTo(fixed + steps * step, 9);
    expect(r.bubble).toBeCloseTo(steps * l.reduce((a, x) => a + x, 0), 9); // the GPU waits for every load
    expect(r.load).toBeCloseTo(steps * l.reduce((a, x) => a + x, 0), 9);
    expect(out.metrics.recompute_fraction).toBe(0);
  });

  it('overlapped loading: each step follows the max-plus recurrence over the 70 blocks', async () => {
    let L = 0;
    let C = 0;
    for (let b = 0; b < k; b++) {
      L += l[b]!;
      C = Math.max(C, L) + c[b]!;
    }
    const { r } = await one({ loading: 'overlap' });
    expect(r.end).toBeCloseTo(fixed + steps * C, 9);
    expect(r.bubble).toBeCloseTo(steps * (C - c.reduce((a, x) => a + x, 0)), 9);
  });

  it('bubble-free pipeline: each step takes the block DP optimum, below both other schedules', async () => {
    const T = planPipeline(l, c, f, new Uint8Array(k));
    const { r, out } = await one({ loading: 'pipeline' });
    expect(r.end).toBeCloseTo(fixed + steps * T, 9);
    const seq = (await one({ loading: 'sequential' })).r.end;
    const ovl = (await one({ loading: 'overlap' })).r.end;
    expect(r.end).toBeLessThan(ovl);
    expect(ovl).toBeLessThan(seq);
    expect(out.metrics.recompute_fraction as number).toBeGreaterThan(0);
  });

  it('full compute: steps x sum(recompute), nothing loaded', async () => {
    const { r, out } = await one({ compute: 'full' });
    expect(r.end).toBeCloseTo(fixed + steps * f.reduce((a, x) => a + x, 0), 9);
    expect(r.load).toBe(0);
    expect(out.metrics.pcie_busy).toBe(0);
  });

  it('the detailed executor (Server + Link per block) gives the same timeline and traces every block', async () => {
    for (const loading of ['sequential', 'overlap', 'pipeline'] as const) {
      const fast = await one({ loading });
      const slow = await one({ loading }, true);
      expect(slow.r.end).toBeCloseTo(fast.r.end, 9);
      const slices = slow.trace!.slices;
      const loads = slices.filter((s) => s.name === 'load');
      const computes = slices.filter((s) => s.name === 'block');
      expect(computes).toHaveLength(k * steps);
      expect(loads.length).toBe(computes.filter((s) => s.args!.decision === 'load').length);
      expect(loads[0]!.track).toBe('gpu0 pcie');
      expect(loads[0]!.args).toMatchObject({ request: 'r0', decision: 'load' });
      expect(loads[0]!.args!.bytes as number).toBeGreaterThan(0);
      expect(computes[0]!.args).toMatchObject({ request: 'r0', block: 0 });
      if (loading === 'sequential') {
        // Each block's compute starts when its load ends: the bubbles are visible in the trace.
        expect(computes[0]!.start).toBeCloseTo(loads[0]!.end, 12);
      }
    }
  });
});

describe('batching', () => {
  const trace = () => traceFile('two.csv', [
    [0, 'a', 't0', 0.15],
    [1.0, 'b', 't1', 0.15],
  ]);

  it('continuous batching: a request arriving during a long batch starts at the next step boundary', async () => {
    const rec = recorder();
    await simulateEdit(input({ workload: { trace: trace() }, policy: { batching: 'continuous' } }), rec.hooks);
    const a = rec.steps.filter((s) => s.batch === 1);
    const tau = a[0]!.seconds;
    // a's steps alone: step i starts at s0 + i tau; b arrives at 1.0 inside one of them.
    const s0 = a[0]!.start;
    const boundary = s0 + Math.ceil((1.0 - s0) / tau) * tau;
    const b = rec.done.get('b')!;
    expect(b.start).toBeCloseTo(boundary, 9);
    expect(b.start - 1.0).toBeLessThanOrEqual(tau);
    expect(rec.steps.some((s) => s.batch === 2)).toBe(true);
  });

  it('static batching: the same request waits for the whole batch to finish', async () => {
    const rec = recorder();
    await simulateEdit(input({ workload: { trace: trace() }, policy: { batching: 'static' } }), rec.hooks);
    const a = rec.done.get('a')!;
    const b = rec.done.get('b')!;
    expect(b.start).toBe(a.end);
    expect(rec.steps.every((s) => s.batch === 1)).toBe(true);
  });

  it('at low load static and continuous batching give identical latencies', async () => {
    const run = async (batching: 'static' | 'continuous') => {
      const rec = recorder();
      const out = await simulateEdit(input({ hardware: { gpus: 4 }, workload: { generator: { requests: 200, rps: 0.05 } }, policy: { batching, balance: 'least-outstanding' } }), rec.hooks);
      expect(out.metrics.batch_size).toMatchObject({ mean: 1, max: 1 });
      return [...rec.done.entries()].map(([id, d]) => [id, d.end - d.arrival]);
    };
    expect(await run('static')).toEqual(await run('continuous'));
  });

  it('max_batch caps the batch and a per-join CPU cost delays the joiner', async () => {
    const rows: Array<[number, string, string, number]> = Array.from({ length: 6 }, (_, i) => [0, `r${i}`, 't0', 0.1]);
    const rec = recorder();
    const out = await simulateEdit(input({ workload: { trace: traceFile('burst.csv', rows) }, policy: { max_batch: 4, join_cpu_ms: 10 } }), rec.hooks);
    expect(out.metrics.batch_size).toMatchObject({ max: 4 });
    // r0 finds the GPU idle and starts alone: 10 ms of CPU, then its text encoder, then step 1.
    const { costs } = blocks();
    expect(rec.steps[0]!.start).toBeCloseTo(0.01 + costs.textEncoderSeconds(1), 12);
    // r1-r3 join at the first boundary (3 x 10 ms + a batched text encoder); r4, r5 wait for leavers.
    const second = rec.steps[1]!;
    expect(second.batch).toBe(4);
    expect(second.start).toBeCloseTo(rec.steps[0]!.start + rec.steps[0]!.seconds + 0.03 + costs.textEncoderSeconds(3), 12);
  });
});
