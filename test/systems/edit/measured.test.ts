/**
 * `model.measured`: the priced GPU compute scaled to measured lone-request latencies, on hand
 * timelines. A factor k multiplies every compute price (blocks, text encoder, VAE) and nothing
 * else; a measured masked request scales what masking saves by e. Cache loads keep their bytes.
 */
import { describe, expect, it } from 'vitest';
import { BatchShape, EditCosts, resolveEditModel, simulateEdit, type EditModelConfig, type EditPolicyConfig } from '../../../src/systems/edit/index.js';
import { EDIT_CALIBRATIONS } from '../../../src/systems/edit/calibrations.js';
import { ConfigError } from '../../../src/errors.js';
import { input, recorder, sdxlStepPrices, traceFile } from './helpers.js';

const J = 0.1;
const SLOW = { pcie: 'pcie4-pageable' };

/** Uncalibrated per-block prices of one request at mask m (loading its share u), and the fixed parts. */
function prices(model: EditModelConfig, m: number, u: number, hardware = {}) {
  const hw = input({ hardware, workload: {} }).hardware;
  const resolved = resolveEditModel(model);
  const costs = new EditCosts(resolved, hw.gpuCost, hw.pcie, hw.gpu);
  costs.price(new BatchShape().add(1, m, u));
  const at = (xs: Float64Array) => Array.from(resolved.blockGroup, (g) => xs[g]!);
  const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
  const l = at(costs.l);
  const c = at(costs.c);
  const f = at(costs.f);
  return { resolved, costs, l, c, f, C: sum(c), F: sum(f), L: sum(l), te: costs.textEncoderSeconds(1), vae: costs.vaeSeconds(1) };
}

async function lone(name: string, model: EditModelConfig, policy: EditPolicyConfig, m: number, hardware = {}) {
  const rec = recorder();
  const out = await simulateEdit(input({ hardware, model, workload: { trace: traceFile(name, [[0, 'r0', 't0', m]]) }, policy: { balance: 'round-robin', join_cpu_ms: J * 1000, ...policy } }), rec.hooks);
  return { r: rec.done.get('r0')!, steps: rec.steps, out };
}

describe('model.measured.full_ms: every compute price x k, k = measured / priced full request', () => {
  const { N, S1, te, vae } = sdxlStepPrices();
  const P = te(1) + N * S1 + vae;

  for (const k of [2, 0.5]) {
    it(`k = ${k}: a full-compute request's steps are k S1 and it takes J + k (te + N S1 + vae) = J + full_ms`, async () => {
      const full_ms = k * P * 1000;
      const { r, steps } = await lone(`full-${k}.csv`, { preset: 'sdxl', measured: { full_ms } }, { compute: 'full' }, 0.2);
      expect(steps).toHaveLength(N);
      for (const s of steps) expect(s.seconds).toBeCloseTo(k * S1, 12);
      expect(r.end).toBeCloseTo(J + k * (te(1) + N * S1 + vae), 9);
      expect(r.end).toBeCloseTo(J + full_ms / 1000, 9);
    });
  }

  it("the balancer's prediction of a lone request uses the calibrated prices: predicted = simulated", async () => {
    const full_ms = 2.5 * P * 1000;
    for (const policy of [{ compute: 'full' as const, balance: 'cost-aware' as const }, { compute: 'full' as const, balance: 'assigned-work' as const }]) {
      let predicted = NaN;
      const rec = recorder();
      rec.hooks.onDispatch = (_r, _w, _loads, s) => (predicted = s);
      await simulateEdit(input({ model: { preset: 'sdxl', measured: { full_ms } }, workload: { trace: traceFile('pred.csv', [[0, 'r0', 't0', 0.2]]) }, policy: { join_cpu_ms: J * 1000, ...policy } }), rec.hooks);
      expect(predicted).toBeCloseTo(J + full_ms / 1000, 9);
      expect(rec.done.get('r0')!.end).toBeCloseTo(predicted, 9);
    }
  });

  it('a masked request with sequential loads: its compute scales by k, its loads do not', async () => {
    const k = 3;
    const model: EditModelConfig = { preset: 'sdxl', measured: { full_ms: k * P * 1000 } };
    const m = 0.15;
    const p = prices({ preset: 'sdxl' }, m, 1 - m, SLOW);
    // By hand: each step is every block's load then its compute; compute x k (e = 1: c x k).
    const step = p.L + k * p.C;
    const a = await lone('seq-k.csv', model, { loading: 'sequential' }, m, SLOW);
    const b = await lone('seq-1.csv', { preset: 'sdxl' }, { loading: 'sequential' }, m, SLOW);
    expect(a.r.end).toBeCloseTo(J + k * (p.te + p.vae) + N * step, 9);
    expect(b.r.end).toBeCloseTo(J + p.te + p.vae + N * (p.L + p.C), 9);
    // Loads are the same seconds and bytes with and without the calibration.
    expect(a.r.load).toBeCloseTo(N * p.L, 9);
    expect(a.r.load).toBeCloseTo(b.r.load, 12);
    expect(a.out.metrics.cache_load_ms).toEqual(b.out.metrics.cache_load_ms);
  });
});

describe('model.measured.masked: the saving of a masked block x e', () => {
  it('with full_ms and masked: k from the full request, e = (full - masked) / (k N (F - C)); both lone requests come out as measured', () => {
    const m = 0.2;
    const base = prices({ preset: 'flux', host: 'off' }, m, 0);
    const full = prices({ preset: 'flux', host: 'off' }, 1, 0);
    const N = base.resolved.steps;
    const fixed = base.te + base.vae;
    const full_ms = 1.3 * (fixed + N * full.F) * 1000;
    const masked_ms = 0.55 * full_ms;
    const k = full_ms / 1000 / (fixed + N * full.F);
    const e = (full_ms - masked_ms) / 1000 / (k * N * (full.F - base.C));
    const cal = prices({ preset: 'flux', host: 'off', measured: { full_ms, masked: { mask: m, ms: masked_ms } } }, m, 0);
    expect(cal.costs.calibration!.k).toBeCloseTo(k, 12);
    expect(cal.costs.calibration!.e).toBeCloseTo(e, 12);
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThan(1);
    // Per block: c' = k ((1 - e) f + e c), f' = k f; so the lone requests are the measured ones.
    cal.c.forEach((c, b) => expect(c).toBeCloseTo(k * ((1 - e) * base.f[b]! + e * base.c[b]!), 12));
    cal.f.forEach((f, b) => expect(f).toBeCloseTo(k * base.f[b]!, 12));
    expect((cal.te + cal.vae + N * cal.C) * 1000).toBeCloseTo(masked_ms, 6);
    const calFull = prices({ preset: 'flux', host: 'off', measured: { full_ms, masked: { mask: m, ms: masked_ms } } }, 1, 0);
    expect((calFull.te + calFull.vae + N * calFull.F) * 1000).toBeCloseTo(full_ms, 6);
    // Still linear in the mask: at mask 0.6 the masked step is the line through the two points.
    const at6 = prices({ preset: 'flux', host: 'off', measured: { full_ms, masked: { mask: m, ms: masked_ms } } }, 0.6, 0);
    const raw6 = prices({ preset: 'flux', host: 'off' }, 0.6, 0);
    expect(at6.C).toBeCloseTo(k * ((1 - e) * full.F + e * raw6.C), 12);
  });

  it('masked alone: one factor k = masked / priced masked request (e = 1), loads unchanged', () => {
    const m = 0.2;
    const base = prices({ preset: 'flux', host: 'off' }, m, 1 - m);
    const N = base.resolved.steps;
    const ms = 2 * (base.te + base.vae + N * base.C) * 1000;
    const cal = prices({ preset: 'flux', host: 'off', measured: { masked: { mask: m, ms } } }, m, 1 - m);
    expect(cal.costs.calibration).toEqual({ k: expect.closeTo(2, 12), e: 1 });
    cal.c.forEach((c, b) => expect(c).toBeCloseTo(2 * base.c[b]!, 12));
    cal.l.forEach((l, b) => expect(l).toBe(base.l[b]!));
    expect(Array.from(cal.costs.loadBytes)).toEqual(Array.from(base.costs.loadBytes));
  });

  it('masked.content: the point is priced with the measured stack\'s cache, so a K/V model takes the block-output calibration unchanged', () => {
    const measured = { full_ms: 4313, masked: { mask: 0.2, ms: 2270, content: 'attn-out' as const } };
    const a = prices({ preset: 'flux', host: 'off', measured }, 0.2, 0).costs.calibration!;
    const b = prices({ preset: 'flux', host: 'off', cache: { content: 'kv' }, measured }, 0.2, 0).costs.calibration!;
    expect(b.k).toBe(a.k);
    expect(b.e).toBe(a.e);
    // Without it the K/V model's own (cheaper) masked price is matched: a larger e.
    const c = prices({ preset: 'flux', host: 'off', cache: { content: 'kv' }, measured: { full_ms: 4313, masked: { mask: 0.2, ms: 2270 } } }, 0.2, 0).costs.calibration!;
    expect(c.k).toBe(a.k);
    expect(c.e).toBeLessThan(a.e);
  });

  it('a masked request saving more than every block can (e > 1) is refused naming the field and the fastest accepted', () => {
    const hw = input({ workload: {} }).hardware;
    const model = resolveEditModel({ preset: 'flux', host: 'off', measured: { full_ms: 4000, masked: { mask: 0.2, ms: 500 } } });
    let err: unknown;
    try {
      new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('model.measured.masked.ms');
    // The fastest accepted is e = 1: k x the priced masked request.
    const base = prices({ preset: 'flux', host: 'off' }, 0.2, 0);
    const full = prices({ preset: 'flux', host: 'off' }, 1, 0);
    const N = base.resolved.steps;
    const k = 4 / (base.te + base.vae + N * full.F);
    expect((err as Error).message).toContain(`fastest accepted is ${(k * (base.te + base.vae + N * base.C) * 1000).toFixed(1)} ms`);
  });
});

describe('published calibrations (model.measured: <name>)', () => {
  it('flashps-flux-h800 makes the lone Flux requests 4.313 s in full and 2.27 s at mask 0.2', () => {
    const cal = EDIT_CALIBRATIONS['flashps-flux-h800'];
    expect(cal.full_ms).toBeCloseTo(2270 * 1.9, 6);
    const at = (m: number) => {
      const p = prices({ preset: 'flux', host: 'off', measured: 'flashps-flux-h800' }, m, 0);
      return p.te + p.vae + p.resolved.steps * p.C;
    };
    expect(at(1)).toBeCloseTo(4.313, 9);
    expect(at(0.2)).toBeCloseTo(2.27, 9);
  });

  it('the off state is untouched: no calibration object and the same prices as before', () => {
    const a = prices({ preset: 'flux', host: 'off' }, 0.2, 0.8);
    expect(a.costs.calibration).toBeUndefined();
    expect(resolveEditModel({ preset: 'flux', host: 'off' }).measured).toBeUndefined();
  });

  it('a calibration measured with another preset, resolution or GPU is refused', async () => {
    expect(() => resolveEditModel({ preset: 'flux', host: 'off', measured: 'flashps-ootd-h800' })).toThrow(/flashps-ootd-h800 was measured with preset sd2.1, this model has flux/);
    expect(() => resolveEditModel({ preset: 'sd2.1', measured: 'flashps-ootd-h800' })).toThrow(/measured with width 1024, this model has 512/);
    expect(() => resolveEditModel({ preset: 'sd2.1', width: 1024, height: 768, steps: 20, measured: 'flashps-ootd-h800' })).not.toThrow();
    await expect(lone('gpu.csv', { preset: 'flux', host: 'off', measured: 'flashps-flux-h800' }, {}, 0.2, { gpu: 'h100-sxm' })).rejects.toThrow(ConfigError);
  });
});
