import { describe, expect, it } from 'vitest';
import { ConfigError, InputError } from '../../../src/errors.js';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { moeSystem } from '../../../src/systems/moe/index.js';
import { run, simpleHw, tinyModel, traceFile } from './helpers.js';

const rtx = resolveHardware({ gpu: 'rtx-4090', host: 'desktop-13900k' });

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('moeSystem.simulate() refuses what cannot run, before running', () => {
  it('an expert cache larger than the GPU memory left after resident weights', async () => {
    const e = await failure(run({ hardware: rtx, workload: { generator: { tokens: 10 } }, policy: { cache_experts: 64 } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe(
      'Mixtral-8x7B fp16 on NVIDIA GeForce RTX 4090 (24.00 GiB): an expert cache of 64 experts needs 21.00 GiB but resident weights 2.99 GiB + kv cache 512.00 MiB + workspace 1.00 GiB leave 19.51 GiB (at most 59 experts)',
    );
  });

  it('a GPU too small for even one expert, and a per-layer cache with a layer left out', async () => {
    const small = resolveHardware({ gpu: 'rtx-4090', memory_gib: 4 });
    expect((await failure(run({ hardware: small, workload: {} }))).message).toMatch(/leave .* not room for one expert of 336.00 MiB/);
    const e = await failure(run({ hardware: rtx, workload: {}, policy: { cache_experts: 20 } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/at least one expert per layer: 20 experts for 32 layers/);
    // The same 20 experts shared by all layers is fine.
    const ok = await run({ hardware: rtx, workload: { generator: { tokens: 5 } }, policy: { cache_experts: 20, cache_scope: 'shared' } });
    expect(ok.metrics.cache_experts).toBe(20);
  });

  it('policies that need what the workload lacks, and a low-bit copy that is not lower', async () => {
    const trace = traceFile([[0, 0, 0, '1']]);
    expect((await failure(run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { prefetch: 'predicted', predictor: 'trace' } }))).message).toMatch(
      /predictor 'trace' needs a 'predicted' column/,
    );
    expect((await failure(run({ hardware: rtx, model: { preset: 'mixtral-8x7b-4bit' }, workload: {}, policy: { miss: 'lowbit', lowbit_bits: 8 } }))).message).toMatch(
      /lowbit_bits 8 is not below the 4-bit experts of Mixtral-8x7B 4-bit experts$/,
    );
    expect((await failure(run({ hardware: rtx, workload: { generator: { layers: 16 } } }))).message).toBe("workload.generator.layers 16 does not match the model's 32");
  });

  it('a trace that does not fit the model names file, line and field', async () => {
    const trace = traceFile([
      [0, 0, 0, '1'],
      [0, 1, 0, '7'],
    ]);
    const e = await failure(run({ hardware: simpleHw(), model: tinyModel(), workload: { trace } }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`${trace}:3 field 'experts': expected integers <= 3, got '7'`);
  });

  it('a warm-up longer than the workload', async () => {
    const e = await failure(run({ hardware: rtx, workload: { generator: { tokens: 5 } }, policy: { cache_experts: 32 }, warmup: { tokens: 10 } }));
    expect(e.message).toMatch(/leaves no decode token to measure: the workload has 5/);
  });

  it('warmup.requests is refused in moe, naming warmup.tokens', async () => {
    const e = await failure(run({ hardware: rtx, workload: { generator: { tokens: 5 } }, policy: { cache_experts: 32 }, warmup: { requests: 1 } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('warmup.requests');
    expect(e.message).toMatch(/use warmup.tokens/);
  });

  it('schemas are strict and default from the papers', () => {
    expect(moeSystem.policySchema.safeParse({ cahce: 'lru' }).success).toBe(false);
    expect(moeSystem.policySchema.safeParse({ cache: 'fifo' }).success).toBe(false);
    expect(moeSystem.workloadSchema.safeParse({ trace: 'a.csv', generator: {} }).success).toBe(false);
    expect(moeSystem.modelSchema.parse({})).toMatchObject({ preset: 'mixtral-8x7b-fp16', max_context: 4096 });
    expect(moeSystem.policySchema.parse({})).toMatchObject({ prefetch: 'none', cache: 'lru', miss: 'fetch', cache_scope: 'per-layer', batch_size: 1 });
    expect(moeSystem.presets().map((p) => p.name)).toEqual(['mixtral-8x7b-fp16', 'mixtral-8x7b-4bit', 'mixtral-8x7b-2bit', 'deepseek-v2-lite', 'qwen3-30b-a3b', 'olmoe']);
    for (const p of moeSystem.presets()) expect(p.source.length).toBeGreaterThan(20);
  });
});

describe('moeSystem.simulate() progress and abort', () => {
  it('reports increasing progress ending at 1', async () => {
    const seen: number[] = [];
    await run({ hardware: rtx, workload: { generator: { tokens: 3000 } }, policy: { cache_experts: 32, miss: 'drop' }, extra: { onProgress: (f) => seen.push(f) } });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(101);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  });

  it('rejects with an AbortError when aborted mid-run', async () => {
    const ac = new AbortController();
    const e = await failure(
      run({ hardware: rtx, workload: { generator: { tokens: 20000 } }, policy: { cache_experts: 32, miss: 'drop' }, extra: { signal: ac.signal, onProgress: () => ac.abort() } }),
    );
    expect(e.name).toBe('AbortError');
  });
});
