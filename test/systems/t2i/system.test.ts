import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { t2iSystem } from '../../../src/systems/t2i/index.js';
import { run, trace } from './helpers.js';

const gen = (requests: number, extra: object = {}) => ({ generator: { requests, rps: 0.6, ...extra } });
const REMEDIES = { application: 'async', host_cache_gib: 64, gpu_cache_gib: 4, unpatch: 'keep', controlnet: 'parallel', assignment: 'affinity' };

describe('t2iSystem.simulate(input)', () => {
  it('is deterministic: same inputs and seed give byte-identical output; another seed differs', async () => {
    const a = await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(600), policy: REMEDIES });
    const b = await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(600), policy: REMEDIES });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(600), policy: REMEDIES, seed: 2 });
    expect(JSON.stringify(c.metrics)).not.toBe(JSON.stringify(a.metrics));
  });

  it('reports every metric family, latency by adapter mix, and conserves requests', async () => {
    const out = await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(800), policy: REMEDIES, extra: { sloMs: 8000 } });
    const m = out.metrics as Record<string, any>;
    expect(out.conservation).toEqual({ arrived: 800, completed: 800, rejected: 0, inFlight: 0 });
    expect(Object.keys(m.latency_ms)).toEqual(expect.arrayContaining(['mean', 'p50', 'p95', 'p99']));
    expect(Object.keys(m.latency_by_mix_ms)).toEqual(expect.arrayContaining(['1C/2L', '2C/2L']));
    for (const k of Object.keys(m.latency_by_mix_ms)) expect(k).toMatch(/^\dC\/\dL$/);
    expect(m.latency_by_mix_ms['2C/2L'].mean).toBeGreaterThan(m.latency_by_mix_ms['1C/2L'].mean);
    const n = Object.values(m.requests_by_mix as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(n).toBe(800);
    expect(m.throughput_per_gpu_per_s).toBeCloseTo(m.throughput_per_s / 8, 6);
    for (const k of ['lora_load_ms', 'lora_patch_ms', 'lora_wait_ms']) expect(m[k].mean).toBeGreaterThanOrEqual(0);
    expect(m.lora_cache.gpu_hit_rate).toBeGreaterThan(0);
    expect(m.lora_cache.host_hit_rate).toBeGreaterThan(0);
    expect(m.controlnet_cache.gpu_hit_rate).toBeGreaterThan(0.8);
    expect(m.bytes.store_to_host).toBeGreaterThan(0);
    expect(m.bytes.interconnect).toBeGreaterThan(0);
    for (const v of Object.values(m.gpu_busy as Record<string, number>)) (expect(v).toBeGreaterThan(0), expect(v).toBeLessThanOrEqual(1));
    expect(m.steps_without_lora.fraction).toBeGreaterThan(0);
    expect(m.stale_controlnet_steps).toEqual({ mean: 0, fraction: 0 });
    expect(m.slo_attainment).toBeGreaterThan(0);
    expect(out.latencyCdf).toHaveLength(101);
    expect(out.utilisation.some((r) => r.resource === 'gpu0')).toBe(true);
    expect(out.utilisation.some((r) => r.resource === 'gpu1')).toBe(true); // a ControlNet GPU
    expect(out.utilisation.every((r) => r.busy >= 0 && r.busy <= 1)).toBe(true);
    expect(out.events).toBeGreaterThan(800);
  });

  it('each remedy lowers mean latency at moderate load (baseline -> merge -> host cache -> async -> parallel ControlNets)', async () => {
    const steps = [
      {},
      { application: 'merge' },
      { application: 'merge', host_cache_gib: 64 },
      { application: 'async', host_cache_gib: 64 },
      { application: 'async', host_cache_gib: 64, controlnet: 'parallel' },
    ];
    let last = Infinity;
    for (const policy of steps) {
      const out = await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(600, { rps: 0.3 }), policy });
      const mean = (out.metrics.latency_ms as Record<string, number>).mean!;
      expect(mean, JSON.stringify(policy)).toBeLessThan(last);
      last = mean;
    }
  });

  it('replays the shipped sample trace', async () => {
    const { join } = await import('node:path');
    const out = await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: { trace: join(__dirname, '../../../traces/t2i-sample.csv') } });
    expect(out.conservation).toEqual({ arrived: 200, completed: 200, rejected: 0, inFlight: 0 });
  });

  it('applies warm-up to latency samples but not to conservation', async () => {
    const out = await run({ workload: gen(50), hardware: { gpu: 'h800', gpus: 8 }, extra: { warmup: { requests: 20 } } });
    expect((out.metrics.requests as Record<string, number>).measured).toBe(30);
    expect(out.conservation.completed).toBe(50);
  });

  it('rejects requests for another base model or above max_pixels, and says why', async () => {
    const file = trace([[0, '', '']]);
    const rows = `arrival_s,request,loras,controlnets,width,height,model\n0,a,,,,,sd15\n1,b,,,4096,4096,\n2,c,,,,,sdxl\n`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, rows);
    const out = await run({ workload: { trace: file } });
    expect(out.conservation).toEqual({ arrived: 3, completed: 1, rejected: 2, inFlight: 0 });
    expect(out.metrics.rejected_by_reason).toEqual({ model_mismatch: 1, above_max_pixels: 1 });
  });

  it('fails before the run with a ConfigError when memory or GPUs cannot hold the setup', async () => {
    await expect(run({ hardware: { gpu: 'h800', gpus: 1, memory_gib: 16 } })).rejects.toThrow(ConfigError);
    await expect(run({ hardware: { gpu: 'h800', gpus: 1, memory_gib: 16 } })).rejects.toThrow(/serving GPU memory 16.00 GiB cannot hold base weights/);
    await expect(run({ hardware: { gpu: 'h800', gpus: 1 }, policy: { controlnet: 'parallel' } })).rejects.toThrow(/needs 2 GPUs per worker/);
    await expect(run({ policy: { host_cache_gib: 5000 } })).rejects.toThrow(/host memory .* cannot hold LoRA cache/);
    await expect(run({ policy: { gpu_cache_gib: 70 } })).rejects.toThrow(ConfigError);
  });

  it('rejects unknown policy, model and workload fields (strict schemas)', () => {
    expect(() => t2iSystem.policySchema.parse({ aplication: 'sync' })).toThrow();
    expect(() => t2iSystem.policySchema.parse({ application: 'nope' })).toThrow();
    expect(() => t2iSystem.modelSchema.parse({ preset: 'sd4' })).toThrow();
    expect(() => t2iSystem.workloadSchema.parse({ trace: 'a.csv', generator: {} })).toThrow(/either trace or generator/);
    expect(t2iSystem.policySchema.parse({})).toMatchObject({ application: 'sync', controlnet: 'serial', assignment: 'round-robin', host_cache_gib: 0, gpu_cache_gib: 0 });
  });

  it('reports progress at most ~100 times, non-decreasing, ending at 1', async () => {
    const seen: number[] = [];
    await run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(3000), extra: { onProgress: (f) => seen.push(f) } });
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.length).toBeLessThanOrEqual(101);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen[seen.length - 1]).toBe(1);
  });

  it('rejects with an AbortError when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run({ hardware: { gpu: 'h800', gpus: 8 }, workload: gen(10_000), extra: { signal: ac.signal } })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('sends labelled activity to input.trace: GPU phases, link transfers, memory counters', async () => {
    const rec = new WindowRecorder();
    await run({ workload: { trace: trace([[0, 'l1', 'c1']]) }, extra: { trace: rec } });
    const names = new Set(rec.slices.map((s) => `${s.track}:${s.name}`));
    for (const n of ['gpu0:text_encoder', 'gpu0:patch', 'gpu0:denoise', 'gpu0:vae', 'gpu0:unpatch', 'disk:lora l1', 'pcie0:lora l1', 'disk:controlnet c1', 'pcie0:controlnet c1']) {
      expect(names, n).toContain(n);
    }
    expect(rec.slices.find((s) => s.name === 'denoise')!.args).toMatchObject({ request: 'r0', loras: 'l1', controlnets: 'c1', application: 'sync', placement: 'serial' });
    expect(rec.slices.some((s) => s.track === 'host cpu/0' && s.name === 'parse')).toBe(true);
    expect(rec.counters.filter((c) => c.track === 'gpu0 queue').map((c) => c.value)).toEqual([1, 0]);
    expect(rec.counters.some((c) => c.track === 'gpu0 hbm' && c.value > 0)).toBe(true);
  });

  it('affinity sends a request to the worker holding its LoRA; round-robin does not', async () => {
    // Four requests for one LoRA, far apart, on 4 GPUs with a GPU cache: affinity loads it once.
    const file = trace([0, 100, 200, 300].map((t) => [t, 'lx', ''] as [number, string, string]));
    const policy = { application: 'merge', gpu_cache_gib: 2 };
    const rr = await run({ hardware: { gpu: 'h800', gpus: 4 }, workload: { trace: file }, policy });
    const aff = await run({ hardware: { gpu: 'h800', gpus: 4 }, workload: { trace: file }, policy: { ...policy, assignment: 'affinity' } });
    expect((rr.metrics.lora_cache as Record<string, number>).gpu_hit_rate).toBe(0);
    expect((aff.metrics.lora_cache as Record<string, number>).gpu_hit_rate).toBe(0.75);
  });

  it('least-loaded spreads a burst across workers', async () => {
    const file = trace([0, 0, 0, 0].map((t) => [t, '', ''] as [number, string, string]));
    const out = await run({ hardware: { gpu: 'h800', gpus: 4 }, workload: { trace: file }, policy: { assignment: 'least-loaded' } });
    expect((out.metrics.queue_ms as Record<string, number>).max).toBe(0);
  });
});
