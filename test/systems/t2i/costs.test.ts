import { describe, expect, it } from 'vitest';
import { ProfileCost } from '../../../src/cost/model.js';
import type { Profile } from '../../../src/hardware/profile.js';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { T2iCosts, t2iModelSchema } from '../../../src/systems/t2i/index.js';
import { t2iSystem } from '../../../src/systems/t2i/index.js';
import { MiB, run, trace } from './helpers.js';

const costs = (model: object, gpu = 'h800') => new T2iCosts(t2iModelSchema.parse(model), resolveHardware({ gpu }));

describe('T2iCosts on SDXL / H800 (design.md figures)', () => {
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
