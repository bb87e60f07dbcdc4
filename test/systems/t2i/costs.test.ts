import { describe, expect, it } from 'vitest';
import { ProfileCost } from '../../../src/cost/model.js';
import type { Profile } from '../../../src/hardware/profile.js';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { T2iCosts, t2iModelSchema } from '../../../src/systems/t2i/index.js';
import { t2iSystem } from '../../../src/systems/t2i/index.js';
import { MiB, run, trace } from './helpers.js';

const costs = (model: object, gpu = 'h800') => new T2iCosts(t2iModelSchema.parse(model), resolveHardware({ gpu }));

describe('T2iCosts on SDXL / H800 (SwiftDiffusion figures)', () => {
  const c = costs({ preset: 'sdxl' });

  it('prices a 1024^2 step at 54.6 ms and a serial ControlNet at ~+27 ms', () => {
    expect(c.at().unet * 1000).toBeCloseTo(54.6, 6);
    expect(c.at().controlnet * 1000).toBeCloseTo(27, 1);
    expect(c.steps).toBe(50);
  });

  it('makes a LoRA 341-456 MiB and its in-place patch 0.09-0.12 s', () => {
    expect(c.loraBytes / MiB).toBeGreaterThan(341);
    expect(c.loraBytes / MiB).toBeLessThan(456);
    expect(c.patchSeconds).toBeGreaterThan(0.09);
    expect(c.patchSeconds).toBeLessThan(0.12);
    expect(c.controlnetBytes).toBe(3 * 2 ** 30);
  });

  it('Diffusers-like loading of one LoRA takes 2.7-4.2 s end to end (file read ~0.46 s + PEFT setup)', async () => {
    const out = await run({ workload: { trace: trace([[0, 'l1', '']]) } });
    const ms = (out.metrics.lora_load_ms as Record<string, number>).mean!;
    expect(ms).toBeGreaterThan(2700);
    expect(ms).toBeLessThan(4200);
    // The file-read part alone (disk + parse, no setup): ~0.46 s.
    const read = out.metrics.lora_load_ms as Record<string, number>;
    expect(read.mean! - 2500).toBeGreaterThan(420);
    expect(read.mean! - 2500).toBeLessThan(500);
  });

  it('scales with resolution (attention superlinearly) and with the GPU', () => {
    const small = c.at(512, 512);
    expect(small.unet).toBeLessThan(c.at().unet / 4 + 1e-3);
    expect(c.at(2048, 2048).unet).toBeGreaterThan(4 * c.at().unet);
    expect(small.residualBytes).toBeCloseTo(c.at().residualBytes / 4, 0);
    expect(costs({ preset: 'sdxl' }, 'a100-80g-sxm').at().unet).toBeGreaterThan(c.at().unet * 2);
  });

  it('lets measured overrides win, scaled to other sizes by the same work ratio', () => {
    const m = costs({ preset: 'sdxl', unet_step_ms: 100, patch_ms: 50, lora_mib: 300 });
    expect(m.at().unet).toBeCloseTo(0.1, 12);
    // 4x the pixels: 88% of the work grows 4x, the 12% in attention scores 16x.
    expect(m.at(2048, 2048).unet / m.at().unet).toBeCloseTo(0.88 * 4 + 0.12 * 16, 9);
    expect(m.patchSeconds).toBe(0.05);
    expect(m.loraBytes).toBe(300 * MiB);
  });

  it('prices the merge kernel through the GPU cost model, so a calibrated profile changes the patch', () => {
    const hw = resolveHardware({ gpu: 'h800' });
    const profile: Profile = {
      servesim_profile: 1,
      created: '2025-01-01',
      adapter: { vendor: 'test', architecture: 'test', device: 'test', description: 'slow merge' },
      features: [],
      timing: 'wall-clock',
      samples: [],
      // A merge kernel 100x slower than the H800 roofline.
      ops: { lora_merge: { model: 'roofline', flops_per_s: 1e12, bytes_per_s: 2e10, overhead_s: 0 } },
      links: {},
      overlap: 1,
    };
    const slow = new T2iCosts(t2iModelSchema.parse({ preset: 'sdxl' }), { ...hw, gpuCost: new ProfileCost(profile, hw.gpuCost, 'test.json') });
    const c = costs({ preset: 'sdxl' });
    expect(slow.patchSeconds).toBeGreaterThan(c.patchSeconds + 0.3);
    // Ops the profile did not fit keep the calibrated roofline.
    expect(slow.at().unet).toBeCloseTo(c.at().unet, 12);
  });
});

describe('t2i presets', () => {
  it('lists SD1.5, SDXL and a DiT with sources', () => {
    const ps = t2iSystem.presets();
    expect(ps.map((p) => p.name)).toEqual(['sd15', 'sdxl', 'sd3-medium']);
    for (const p of ps) expect(p.source.length).toBeGreaterThan(40);
  });

  it('orders the models sensibly on one GPU', () => {
    const sd15 = costs({ preset: 'sd15' });
    const sdxl = costs({ preset: 'sdxl' });
    const sd3 = costs({ preset: 'sd3-medium' });
    expect(sd15.at().unet).toBeLessThan(sdxl.at().unet);
    expect(sd15.loraBytes).toBeLessThan(sdxl.loraBytes);
    expect(sd3.steps).toBe(28);
    // A DiT needs ControlNet residuals almost at once: little to overlap with.
    expect(sd3.at().overlap / sd3.at().unet).toBeLessThan(0.05);
  });
});

describe('T2iCosts: LoRA sizes from rank and targeted modules', () => {
  // Elements per rank, counted from the architectures: rows + cols of every adapted matrix.
  // UNet transformer blocks (10 at 640, 60 at 1280 channels; attention, cross k/v on the 2048-wide
  // text, GEGLU FF, proj_in/out per block group):
  const unetLevel = (blocks: number, groups: number, d: number) =>
    (blocks * 6 + groups * 2) * 2 * d + blocks * 2 * (d + 2048) + blocks * (9 * d) + blocks * (5 * d);
  const unet = unetLevel(10, 5, 640) + unetLevel(60, 6, 1280);
  // Text encoders: q/k/v/out (d x d) and fc1/fc2 (d x ff) per layer; CLIP-L 12 x 768/3072, bigG 32 x 1280/5120.
  const te = 12 * (4 * 2 * 768 + 2 * (768 + 3072)) + 32 * (4 * 2 * 1280 + 2 * (1280 + 5120));

  it('SDXL UNet-only LoRAs of rank 32/64/128 are rank x 2 x the adapted rows + cols', () => {
    expect(unet).toBe(2_659_840);
    for (const rank of [32, 64, 128]) expect(costs({ preset: 'sdxl', lora_rank: rank }).loraBytes).toBe(rank * unet * 2);
  });

  it('text-encoder LoRAs add both encoders\' attention and MLP matrices, and their patch work', () => {
    const r = 64;
    const withTe = costs({ preset: 'sdxl', lora_rank: r, lora_text_encoder: true });
    const without = costs({ preset: 'sdxl', lora_rank: r });
    expect(withTe.loraBytes).toBe(r * (unet + te) * 2);
    expect(withTe.patchSeconds).toBeGreaterThan(without.patchSeconds);
    // Text-encoder layers run once per request: unmerged step cost is unchanged.
    expect(withTe.at().unmergedPerLora).toBe(without.at().unmergedPerLora);
  });
});

describe('shared parts: one pricing for t2i and edit', () => {
  it('SDXL VAE decode and text encoders cost the same in both systems (H800)', async () => {
    const { EditCosts, resolveEditModel } = await import('../../../src/systems/edit/index.js');
    const hw = resolveHardware({ gpu: 'h800' });
    const edit = new EditCosts(resolveEditModel({ preset: 'sdxl' }), hw.gpuCost, hw.pcie);
    const t2i = costs({ preset: 'sdxl' }).at();
    expect(edit.vaeSeconds(1)).toBe(t2i.vae);
    expect(edit.textEncoderSeconds(1)).toBe(t2i.textEncoder);
    // The branch of a CFG pair is half the FLOPs with every weight byte: more than half the step.
    expect(costs({ preset: 'sdxl' }).at().unetBranch).toBeGreaterThan(t2i.unet / 2);
  });
});
