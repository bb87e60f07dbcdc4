// The per-mix table of docs/t2i.md: SDXL 1024^2, 50 steps, 8x H800, one request at a time, the
// Diffusers-like baseline against SwiftDiffusion (scenarios/t2i-swiftdiffusion.yaml). Prints the
// table; asserts what the mechanisms imply for it, computed from the priced parts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { KERNEL_STEP_FACTOR, T2iCosts, t2iModelSchema } from '../../../src/systems/t2i/index.js';
import { NVLINK, run } from './helpers.js';

const TRACE = fileURLToPath(new URL('../../../traces/t2i-mix-grid.csv', import.meta.url));
const hardware = { gpu: 'h800', gpus: 8 };
const SWIFT = {
  application: 'async',
  async_k: 10,
  fuse_adapters: true,
  controlnet: 'parallel',
  controlnet_gpus: 3,
  cfg_parallel: true,
  step_factor: KERNEL_STEP_FACTOR,
};
const MIXES = [0, 1, 2, 3].flatMap((c) => [0, 1, 2].map((l) => `${c}C/${l}L`));

async function means(policy: object): Promise<Record<string, number>> {
  const out = await run({ hardware, policy, workload: { trace: TRACE }, extra: { warmup: { requests: 8 } } });
  const by = out.metrics.latency_by_mix_ms as Record<string, { mean: number }>;
  return Object.fromEntries(MIXES.map((k) => [k, by[k]!.mean / 1000]));
}

describe('per-mix latency, SDXL 1024^2 50 steps on H800, one request at a time', async () => {
  const base = await means({});
  const swift = await means(SWIFT);
  const c = new T2iCosts(t2iModelSchema.parse({ preset: 'sdxl' }), resolveHardware(hardware)).at();

  it('is the shipped scenario\'s SwiftDiffusion policy', () => {
    const sc = parse(readFileSync(fileURLToPath(new URL('../../../scenarios/t2i-swiftdiffusion.yaml', import.meta.url)), 'utf8'));
    expect(sc.policies[1].policy).toEqual(SWIFT);
    expect(sc.warmup).toEqual({ requests: 8 });
  });

  it('prints the table', () => {
    const rows = MIXES.map((k) => `| ${k} | ${base[k]!.toFixed(2)} | ${swift[k]!.toFixed(2)} | ${(base[k]! / swift[k]!).toFixed(1)}x |`);
    console.log(['| mix | Diffusers-like (s) | SwiftDiffusion (s) | speedup |', '|---|---|---|---|', ...rows].join('\n'));
    for (const k of MIXES) expect(swift[k]!).toBeLessThan(base[k]!);
  });

  it('baseline: text encoder + 50 serial steps + VAE; each ControlNet adds 50 of its steps', () => {
    expect(base['0C/0L']!).toBeCloseTo(c.textEncoder + 50 * c.unet + c.vae, 4);
    for (const n of [1, 2, 3]) expect(base[`${n}C/0L`]! - base['0C/0L']!).toBeCloseTo(n * 50 * c.controlnet, 4);
  });

  it('SwiftDiffusion: 50 branch steps with the exchange; ControlNets on their own GPUs cost the same whatever their number', () => {
    const exchange = NVLINK.lat + (4 * 128 * 128 * 2) / NVLINK.bw;
    expect(swift['0C/0L']!).toBeCloseTo(c.textEncoder + 50 * (KERNEL_STEP_FACTOR * c.unetBranch + exchange) + c.vae, 4);
    for (const l of ['0L', '1L', '2L']) {
      expect(swift[`2C/${l}`]!).toBeCloseTo(swift[`1C/${l}`]!, 6);
      expect(swift[`3C/${l}`]!).toBeCloseTo(swift[`1C/${l}`]!, 6);
    }
  });
});
