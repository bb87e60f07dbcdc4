import { describe, expect, it } from 'vitest';
import { ProfileCost, RooflineCost } from '../../src/cost/model.js';
import type { Op } from '../../src/cost/ops.js';
import { profileSchema } from '../../src/hardware/profile.js';
import { gpuPreset } from '../../src/hardware/index.js';

// A roofline fit of 1 GFLOP/s with 1 ms overhead, and one timed shape (2 MFLOP) that took 2.5 ms
// where the fit says 3 ms.
const profile = profileSchema.parse({
  servesim_profile: 1,
  created: '2026-01-01T00:00:00Z',
  adapter: { vendor: 't', architecture: 't', device: 't', description: 'test device' },
  features: [],
  timing: 'wall-clock',
  samples: [{ op: 'expert_ffn_f16', shape: { tokens: 1 }, flops: 2e6, bytes: 1000, seconds: [0.0025], median_s: 0.0025 }],
  ops: { expert_ffn_f16: { model: 'roofline', flops_per_s: 1e9, bytes_per_s: 1e12, overhead_s: 1e-3 } },
  links: {},
  overlap: 1,
});
const cost = new ProfileCost(profile, new RooflineCost(gpuPreset('h100-sxm')));
const ffn = (flops: number, bytes = 1000, dtype: Op['dtype'] = 'fp16'): Op => ({ kind: 'expert_ffn', flops, bytes, dtype });

describe('ProfileCost', () => {
  it('prices a shape the profile timed at its median, others by the fit', () => {
    expect(cost.opSeconds(ffn(2e6))).toBe(0.0025);
    expect(cost.opSeconds(ffn(4e6))).toBeCloseTo(0.005, 12);
    // Same flops, other bytes: not the timed shape. Other precision: no fp32 fit, so the roofline.
    expect(cost.opSeconds(ffn(2e6, 2000))).toBeCloseTo(0.003, 12);
    expect(cost.opSeconds(ffn(2e6, 1000, 'fp32'))).toBe(new RooflineCost(gpuPreset('h100-sxm')).opSeconds(ffn(2e6, 1000, 'fp32')));
  });
  it('falls back to the roofline for op kinds the profile did not fit, and says so', () => {
    const gemm: Op = { kind: 'gemm', flops: 1e12, bytes: 1e6, dtype: 'fp16' };
    expect(cost.opSeconds(gemm)).toBe(new RooflineCost(gpuPreset('h100-sxm')).opSeconds(gemm));
    expect(cost.source('expert_ffn')).toContain('test device');
    expect(cost.source('gemm')).toContain('roofline');
  });
});
