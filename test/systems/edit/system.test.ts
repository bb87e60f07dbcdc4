import { describe, expect, it } from 'vitest';
import { ConfigError, InputError } from '../../../src/errors.js';
import { editSystem, simulateEdit } from '../../../src/systems/edit/index.js';
import { input, recorder, traceFile } from './helpers.js';

const gen = { generator: { requests: 400, rps: 4, templates: 8 } };

describe('editSystem.simulate(input)', () => {
  it('is deterministic: same seed -> byte-identical output; another seed differs', async () => {
    const inp = () => input({ hardware: { gpus: 8 }, workload: gen, sloMs: 3000, warmup: { requests: 20 } });
    const a = JSON.stringify(await editSystem.simulate(inp()));
    const b = JSON.stringify(await editSystem.simulate(inp()));
    expect(a).toBe(b);
    const c = JSON.stringify(await editSystem.simulate({ ...inp(), seed: 2 }));
    expect(c).not.toBe(a);
  });

  it('reports every listed metric, conserves requests and stays inside GPU memory', async () => {
    const out = await editSystem.simulate(input({ hardware: { gpus: 8 }, workload: gen, sloMs: 3000 }));
    const m = out.metrics as Record<string, any>;
    expect(Object.keys(m.latency_ms)).toEqual(expect.arrayContaining(['mean', 'p50', 'p95', 'p99']));
    for (const k of ['throughput_per_s', 'queue_ms', 'cache_load_ms', 'bubble_ms', 'batch_size', 'gpu_busy', 'pcie_busy', 'host_cache_hit_rate', 'slo_attainment', 'recompute_fraction']) {
      expect(m).toHaveProperty(k);
    }
    expect(m.throughput_per_s).toBeGreaterThan(3.5);
    expect(m.throughput_per_s).toBeLessThan(4.5);
    for (const k of ['gpu_busy', 'pcie_busy', 'host_cache_hit_rate', 'slo_attainment']) {
      expect(m[k]).toBeGreaterThanOrEqual(0);
      expect(m[k]).toBeLessThanOrEqual(1);
    }
    expect(m.batch_size.mean).toBeGreaterThanOrEqual(1);
    expect(Object.keys(m.batch_size.series).length).toBeGreaterThan(1);
    expect(m.gpu_memory_peak_gib).toBeLessThanOrEqual(80);
    expect(out.conservation).toEqual({ arrived: 400, completed: 400, rejected: 0, inFlight: 0 });
    expect(out.latencyCdf).toHaveLength(101);
    expect(out.utilisation.length).toBeGreaterThan(0);
    expect(out.utilisation.every((u) => u.busy >= 0 && u.busy <= 1)).toBe(true);
    expect(new Set(out.utilisation.map((u) => u.resource))).toEqual(new Set(Array.from({ length: 8 }, (_, i) => [`gpu${i}`, `gpu${i} pcie`]).flat()));
    expect(out.simulatedSeconds).toBeGreaterThan(90);
  });

  it('GPU and PCIe busy time equals what the steps priced (utilisation rows add up)', async () => {
    const out = await editSystem.simulate(input({ workload: { generator: { requests: 60, rps: 0.5 } } }));
    const m = out.metrics as Record<string, number>;
    const rows = out.utilisation;
    const width = rows[1]!.t_s - rows[0]!.t_s;
    const busy = (track: string) => rows.filter((r) => r.resource === track).reduce((a, r) => a + r.busy * width, 0);
    expect(busy('gpu0') / out.simulatedSeconds).toBeCloseTo(m.gpu_busy!, 3);
    expect(busy('gpu0 pcie') / out.simulatedSeconds).toBeCloseTo(m.pcie_busy!, 3);
  });

  it('full compute loads nothing and has no cache metrics', async () => {
    const out = await editSystem.simulate(input({ workload: { generator: { requests: 50, rps: 0.5 } }, policy: { compute: 'full' } }));
    expect(out.metrics.pcie_busy).toBe(0);
    expect(out.metrics).not.toHaveProperty('host_cache_hit_rate');
  });

  it('cold host cache: first uses stream from disk while requests run (recomputing the missing steps); warm: all hits', async () => {
    const w = { generator: { requests: 60, rps: 0.5, templates: 3 } };
    const cold = await editSystem.simulate(input({ workload: w, policy: { host_cache: 'cold' } }));
    const warm = await editSystem.simulate(input({ workload: w, policy: { host_cache: 'warm' } }));
    expect(cold.metrics.disk_fetches).toBe(3);
    expect(warm.metrics.disk_fetches).toBe(0);
    expect(warm.metrics.host_cache_hit_rate).toBe(1);
    expect(cold.metrics.host_cache_hit_rate as number).toBeLessThan(1);
    expect((cold.metrics.latency_ms as any).mean).toBeGreaterThan((warm.metrics.latency_ms as any).mean);
  });

  it('a host tier smaller than the catalogue evicts LRU templates and refetches them', async () => {
    // 3 SDXL templates of 19.5 GiB (50 steps x 0.39 GiB) with room for 2 (a fetch takes
    // 19.5 GiB / 6.5 GB/s = 3.2 s): templates keep being evicted and read again, and only some
    // requests find theirs resident.
    const out = await editSystem.simulate(input({ workload: { generator: { requests: 200, rps: 0.5, templates: 3, template_skew: 0 } }, policy: { host_cache_gib: 40 } }));
    expect(out.metrics.disk_fetches as number).toBeGreaterThan(3);
    expect(out.metrics.disk_busy as number).toBeGreaterThan(0.3);
    expect(out.metrics.host_cache_hit_rate as number).toBeGreaterThan(0);
    expect(out.metrics.host_cache_hit_rate as number).toBeLessThan(0.95);
  });

  it('rejects a request too large for GPU memory and counts it', async () => {
    const p = traceFile('huge.csv', [], '');
    const rows = 'arrival_s,request,template,mask_ratio,width,height\n0,small,t0,0.1,,\n1,huge,t0,0.1,8192,8192\n';
    (await import('node:fs')).writeFileSync(p, rows);
    const rec = recorder();
    const out = await simulateEdit(input({ workload: { trace: p } }), rec.hooks);
    expect(out.conservation).toEqual({ arrived: 2, completed: 1, rejected: 1, inFlight: 0 });
    expect(rec.done.has('small')).toBe(true);
  });

  it('ConfigError before running when the model cannot fit, or a template cannot fit the host tier', async () => {
    await expect(editSystem.simulate(input({ hardware: { gpu: 'rtx-4090', host: 'desktop-13900k' }, model: { preset: 'flux' }, workload: gen, policy: { compute: 'full' } }))).rejects.toThrow(ConfigError);
    await expect(editSystem.simulate(input({ hardware: { gpu: 'rtx-4090', host: 'desktop-13900k' }, model: { preset: 'flux' }, workload: gen }))).rejects.toThrow(/does not fit on NVIDIA GeForce RTX 4090/);
    await expect(editSystem.simulate(input({ workload: gen, policy: { host_cache_gib: 15 } }))).rejects.toThrow(/cannot hold one sdxl template/);
  });

  it('InputError naming file and line when a trace row is for another model', async () => {
    const p = traceFile('model.csv', [], '');
    (await import('node:fs')).writeFileSync(p, 'arrival_s,request,template,mask_ratio,model\n0,a,t,0.1,sdxl\n1,b,t,0.1,flux\n');
    const err = await editSystem.simulate(input({ workload: { trace: p } })).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${p}:3 field 'model': request for model 'flux' but the scenario serves 'sdxl'`);
    await expect(editSystem.simulate(input({ workload: { generator: { model: 'flux' } } }))).rejects.toThrow(/generator.model is 'flux'/);
  });

  it('schemas give defaults and reject typos', () => {
    expect(editSystem.policySchema.parse({})).toMatchObject({ compute: 'masked', loading: 'pipeline', batching: 'continuous', balance: 'cost-aware', max_batch: 8 });
    expect(() => editSystem.policySchema.parse({ loadin: 'pipeline' })).toThrow();
    expect(() => editSystem.policySchema.parse({ balance: 'random' })).toThrow();
    expect(editSystem.modelSchema.parse({})).toMatchObject({ preset: 'sdxl' });
    expect(() => editSystem.modelSchema.parse({ preset: 'sd3' })).toThrow();
    expect(() => editSystem.workloadSchema.parse({ trace: 'a.csv', generator: {} })).toThrow(/either trace or generator/);
    expect(editSystem.presets().map((p) => p.name)).toEqual(['sd2.1', 'sdxl', 'flux']);
  });

  it('honours an abort signal and reports progress up to 1', async () => {
    const ac = new AbortController();
    const fracs: number[] = [];
    const inp = { ...input({ hardware: { gpus: 8 }, workload: { generator: { requests: 200_000, rps: 5 } } }), signal: ac.signal, onProgress: (f: number) => fracs.push(f) };
    setTimeout(() => ac.abort(), 50);
    await expect(editSystem.simulate(inp)).rejects.toMatchObject({ name: 'AbortError' });
    const done: number[] = [];
    await editSystem.simulate({ ...input({ workload: { generator: { requests: 300, rps: 0.5 } } }), onProgress: (f) => done.push(f) });
    expect(done.at(-1)).toBe(1);
    expect(done.length).toBeLessThanOrEqual(101);
    expect([...done].sort((a, b) => a - b)).toEqual(done);
  });

  it('reads a trace file relative to baseDir and reports progress from its row count', async () => {
    const rows: Array<[number, string, string, number]> = Array.from({ length: 50 }, (_, i) => [i, `r${i}`, `t${i % 3}`, 0.12]);
    traceFile('rel.csv', rows);
    const fracs: number[] = [];
    const out = await editSystem.simulate({ ...input({ workload: { trace: 'rel.csv' } }), onProgress: (f) => fracs.push(f) });
    expect(out.conservation.completed).toBe(50);
    expect(fracs.some((f) => f > 0 && f < 1)).toBe(true);
  });
});
