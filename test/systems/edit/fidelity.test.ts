/**
 * The FlashPS artifact's mechanisms (Sylvia-16/FlashPS), each on hand-computed timelines:
 * full-tensor cache loads (`model.cache.load: all`), the strawman's preparation cost per
 * interruption (`prepare: inline-interruption`), the no-continuous-batching server that runs one
 * request at a time (`batching: static, max_batch: 1`), its static server's batches prepared in
 * line (`batching: static, prepare: inline`), and the artifact's balancer
 * (`balance: assigned-work`).
 */
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { BALANCE_POLICIES, BatchShape, EditCosts, resolveEditModel, simulateEdit, type EditModelConfig, type EditPolicyConfig, type WorkerLoad } from '../../../src/systems/edit/index.js';
import { input, recorder, sdxlStepPrices, traceFile } from './helpers.js';

const SLOW = { pcie: 'pcie4-pageable' };
const J = 0.1;

/** Per-block load and compute of one SDXL request at mask m, loading the share u of its tensors. */
function blocks(model: EditModelConfig, m: number, u: number) {
  const hw = input({ hardware: SLOW, workload: {} }).hardware;
  const resolved = resolveEditModel(model);
  const costs = new EditCosts(resolved, hw.gpuCost, hw.pcie, hw.gpu);
  costs.price(new BatchShape().add(1, m, u));
  const at = (xs: Float64Array) => Array.from(resolved.blockGroup, (g) => xs[g]!);
  return { resolved, link: hw.pcie, l: at(costs.l), c: at(costs.c), fixed: 0.002 + costs.textEncoderSeconds(1) + costs.vaeSeconds(1) };
}


async function full(name: string, rows: Array<[number, string, string, number]>, policy: EditPolicyConfig, detailed = false) {
  const rec = recorder();
  const inp = input({ workload: { trace: traceFile(name, rows) }, policy: { compute: 'full', balance: 'round-robin', join_cpu_ms: J * 1000, ...policy } });
  if (detailed) inp.trace = new WindowRecorder();
  await simulateEdit(inp, rec.hooks);
  return rec.done;
}

describe('model.cache.load: all (the artifact copies whole cached tensors)', () => {
  const m = 0.2;
  for (const content of ['attn-out', 'kv'] as const) {
    it(`${content}: a sequential step loads every token, cacheBytesPerStep / bandwidth more per step than the unmasked share by m`, async () => {
      const model: EditModelConfig = { preset: 'sdxl', cache: { content, load: 'all' } };
      const { resolved, link, l, c, fixed } = blocks(model, m, 1);
      const steps = resolved.steps;
      const step = l.reduce((a, x, b) => a + x + c[b]!, 0);
      // By hand: each block's load is latency + its whole tensor over the link.
      expect(l.reduce((a, x) => a + x, 0)).toBeCloseTo(resolved.k * link.latency + resolved.cacheBytesPerStep / link.bandwidth, 12);
      const rec = recorder();
      await simulateEdit(input({ hardware: SLOW, model, workload: { trace: traceFile(`all-${content}.csv`, [[0, 'r0', 't0', m]]) }, policy: { balance: 'round-robin', loading: 'sequential' } }), rec.hooks);
      const r = rec.done.get('r0')!;
      expect(r.end).toBeCloseTo(fixed + steps * step, 9);
      const rec2 = recorder();
      await simulateEdit(input({ hardware: SLOW, model: { ...model, cache: { content, load: 'unmasked' } }, workload: { trace: traceFile(`unm-${content}.csv`, [[0, 'r0', 't0', m]]) }, policy: { balance: 'round-robin', loading: 'sequential' } }), rec2.hooks);
      expect(r.end - rec2.done.get('r0')!.end).toBeCloseTo((steps * m * resolved.cacheBytesPerStep) / link.bandwidth, 9);
    });
  }
});

describe('prepare: inline-interruption (0.36 s per interruption, however many join)', () => {
  const { N, S1, S3, te, vae } = sdxlStepPrices();
  // r0 alone for one step; r1 and r2 arrive during it and join together at its end.
  const rows: Array<[number, string, string, number]> = [[0, 'r0', 't0', 0.2], [0.05, 'r1', 't1', 0.2], [0.06, 'r2', 't2', 0.2]];
  const b1 = J + te(1) + S1;

  it('the boundary where two requests join waits one join_cpu_ms; inline waits two', async () => {
    for (const detailed of [false, true]) {
      const once = await full('intr.csv', rows, { prepare: 'inline-interruption' }, detailed);
      const each = await full('intr.csv', rows, { prepare: 'inline' }, detailed);
      for (const done of [once, each]) {
        expect(done.get('r1')!.start).toBeCloseTo(b1, 9);
        expect(done.get('r2')!.start).toBeCloseTo(b1, 9);
      }
      expect(once.get('r0')!.end).toBeCloseTo(b1 + J + te(2) + (N - 1) * S3 + vae, 9);
      expect(each.get('r0')!.end).toBeCloseTo(b1 + 2 * J + te(2) + (N - 1) * S3 + vae, 9);
    }
  });

  it('a lone joiner pays the same under both readings', async () => {
    const a = await full('lone.csv', [[0, 'r0', 't0', 0.2]], { prepare: 'inline-interruption' });
    const b = await full('lone.csv', [[0, 'r0', 't0', 0.2]], { prepare: 'inline' });
    expect(a.get('r0')!.end).toBeCloseTo(b.get('r0')!.end, 12);
    expect(a.get('r0')!.end).toBeCloseTo(J + te(1) + N * S1 + vae, 9);
  });
});

describe('batching: static, max_batch: 1 (the artifact serves one request at a time without continuous batching)', () => {
  const { N, S1, te, vae } = sdxlStepPrices();

  it('a request arriving during another starts only when the first has left, and pays its own preparation', async () => {
    for (const detailed of [false, true]) {
      const done = await full('one-at-a-time.csv', [[0, 'r0', 't0', 0.2], [0.05, 'r1', 't1', 0.2]], { batching: 'static', max_batch: 1, prepare: 'inline' }, detailed);
      const end0 = J + te(1) + N * S1 + vae;
      expect(done.get('r0')!.end).toBeCloseTo(end0, 9);
      expect(done.get('r1')!.start).toBeCloseTo(end0, 9);
      expect(done.get('r1')!.end).toBeCloseTo(2 * end0, 9);
    }
  });
});

describe('batching: static, prepare: inline (the artifact static server: server.py no_cb, batches of up to 8)', () => {
  const { N, S1, S2, te, vae } = sdxlStepPrices();
  const hw = input({ workload: {} }).hardware;
  const vae2 = new EditCosts(resolveEditModel({ preset: 'sdxl' }), hw.gpuCost, hw.pcie, hw.gpu).vaeSeconds(2);

  it('requests arriving during a batch wait for it to leave, then are prepared one after another before the next batch starts', async () => {
    for (const detailed of [false, true]) {
      const rows: Array<[number, string, string, number]> = [[0, 'r0', 't0', 0.2], [0.05, 'r1', 't1', 0.2], [0.06, 'r2', 't2', 0.2]];
      const done = await full('static-inline.csv', rows, { batching: 'static', max_batch: 8, prepare: 'inline' }, detailed);
      // r0 alone: its preparation, text encoder, N steps, decode.
      const end0 = J + te(1) + N * S1 + vae;
      expect(done.get('r0')!.end).toBeCloseTo(end0, 9);
      // r1 and r2 join the empty worker together (the batch did not wait to fill), each prepared
      // in line (2 J), one batched text encoder, N steps of two, one batched decode.
      const end12 = end0 + 2 * J + te(2) + N * S2 + vae2;
      for (const r of ['r1', 'r2']) {
        expect(done.get(r)!.start).toBeCloseTo(end0, 9);
        expect(done.get(r)!.end).toBeCloseTo(end12, 9);
      }
    }
  });
});

describe('balance: assigned-work (the artifact NewFlopsBalanceScheduler)', () => {
  const w = (outstanding: number, backlogSeconds: number, assignedSeconds: number): WorkerLoad => ({ outstanding, backlogSeconds, assignedSeconds });

  it('compares the whole work of the assigned requests, not what is left of it', () => {
    // Worker 0 is nearly done with a long request; worker 1 has just taken a shorter one.
    const ws = [w(1, 0.1, 5), w(1, 3, 3)];
    expect(BALANCE_POLICIES['assigned-work']().pick(ws, 1)).toBe(1);
    expect(BALANCE_POLICIES['cost-aware']().pick(ws, 1)).toBe(0);
  });

  it('a count gap of two overrides the work sums; a gap of one does not', () => {
    expect(BALANCE_POLICIES['assigned-work']().pick([w(3, 0, 0.5), w(1, 0, 10)], 1)).toBe(1);
    expect(BALANCE_POLICIES['assigned-work']().pick([w(2, 0, 0.5), w(1, 0, 10)], 1)).toBe(0);
  });

  it("inside a simulation each worker's assigned seconds are the summed predictions of its outstanding requests, and every pick follows the rule", async () => {
    const mine = new Map<string, { worker: number; predicted: number }>();
    const open = new Set<string>();
    let checked = 0;
    await simulateEdit(input({ hardware: { gpus: 4 }, workload: { generator: { requests: 600, rps: 3, templates: 8, mask_mean: 0.3, mask_concentration: 1 } }, policy: { balance: 'assigned-work' } }), {
      onDispatch: (r, chosen, loads, pred) => {
        for (let k = 0; k < loads.length; k++) {
          let sum = 0;
          let n = 0;
          for (const id of open) {
            const x = mine.get(id)!;
            if (x.worker === k) (sum += x.predicted), n++;
          }
          expect(loads[k]!.outstanding).toBe(n);
          expect(loads[k]!.assignedSeconds).toBeCloseTo(sum, 6);
        }
        const counts = loads.map((x) => x.outstanding);
        if (Math.max(...counts) - Math.min(...counts) >= 2) expect(loads[chosen]!.outstanding).toBe(Math.min(...counts));
        else expect(loads[chosen]!.assignedSeconds + pred).toBeLessThanOrEqual(Math.min(...loads.map((x) => x.assignedSeconds + pred)) + 1e-9);
        mine.set(r.id, { worker: chosen, predicted: pred });
        open.add(r.id);
        checked++;
      },
      onComplete: (r) => open.delete(r.id),
    });
    expect(checked).toBe(600);
  });
});
