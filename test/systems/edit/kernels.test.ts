/**
 * Wave quantisation (kernels.ts) and the per-image GEMVs, checked against hand-computed tile
 * counts and a hand-priced Flux double block.
 */
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { BatchShape, EditCosts, resolveEditModel } from '../../../src/systems/edit/index.js';
import { attentionUtilisation, gemmUtilisation, gemmsUtilisation } from '../../../src/systems/edit/kernels.js';
import { blockSum, uniformBatch } from './helpers.js';

const H800 = { tiles: [[128, 256]] as const, sms: 132, splitK: false };

describe('wave quantisation of GEMM tiles and attention CTAs', () => {
  it('counts CTAs, waves and tile padding', () => {
    // Flux image stream at mask 0.15: 614 rows x 3072 -> 5 x 12 = 60 CTAs, one wave of 132 SMs.
    expect(gemmUtilisation(H800, 614, 3072, 3072)).toBeCloseTo((614 * 3072) / (132 * 128 * 256), 12);
    // 4096 rows: 32 x 12 = 384 CTAs -> 3 waves.
    expect(gemmUtilisation(H800, 4096, 3072, 3072)).toBeCloseTo((4096 * 3072) / (3 * 132 * 128 * 256), 12);
    // Split-K doubles the 60-CTA grid to 120 (floor(132 / 60) = 2 slices of 1536).
    expect(gemmUtilisation({ ...H800, splitK: true }, 614, 3072, 3072)).toBeCloseTo((2 * 614 * 3072) / (132 * 128 * 256), 12);
    // ... but never below 256-wide K slices: K = 256 cannot split.
    expect(gemmUtilisation({ ...H800, splitK: true }, 614, 3072, 256)).toBeCloseTo((614 * 3072) / (132 * 128 * 256), 12);
    // With two tiles the library takes the better: 128 x 128 gives 5 x 24 = 120 CTAs.
    expect(gemmUtilisation({ ...H800, tiles: [[128, 256], [128, 128]] }, 614, 3072, 3072)).toBeCloseTo((614 * 3072) / (132 * 128 * 128), 12);
    // No rows, no work: share 1.
    expect(gemmUtilisation(H800, 0, 3072, 3072)).toBe(1);
    // FlashAttention: 1126 queries -> 9 blocks x 24 heads = 216 CTAs, 2 waves of 132.
    expect(attentionUtilisation(H800, 1126, 24)).toBeCloseTo(216 / 264, 12);
  });

  it('a set of GEMMs on the same rows weighs each by its FLOPs (harmonic mean)', () => {
    // Flux text stream, 512 rows: N = 3072 -> 48 CTAs (4/11); N = 12288 -> 192 CTAs, 2 waves (8/11).
    const d = 3072;
    const u = gemmsUtilisation(H800, 512, [[d, d], [d, d], [4 * d, d], [d, 4 * d]]);
    expect(u).toBeCloseTo(10 / (6 / (4 / 11) + 4 / (8 / 11)), 12);
  });
});

describe('a Flux double block priced by hand (B = 1, mask 0.25, block outputs cached)', () => {
  const hw = resolveHardware({ gpu: 'h800' });
  const d = 3072;
  const peak = 989e12 * 0.6;
  const bw = 3350e9 * 0.8;
  const launch = 5e-6;
  // FLOPs per token: token-wise 20 d^2, K/V 4 d^2; attention 4 d per query-key pair.
  const tw = 20 * d * d;
  const kvf = 4 * d * d;
  const qn = 4096 * 4096 * 0.25 + 512 * 4096 * 1.25 + 512 * 512;
  const bytes = 2 * 24 * d * d + ((1024 + 512) * 16 + 4608 * 4) * d;
  const gemv = 2 * 12 * d * d;

  it('with one 128 x 256 tile and no split-K: rows over utilisation, attention over its waves, the GEMVs on top', () => {
    const model = resolveEditModel({ preset: 'flux', gemm_tile: [128, 256], gemm_split_k: false });
    const costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
    costs.price(new BatchShape().add(1, 0.25, 0.75));
    // Image rows 1024: N = 3072 -> 96 CTAs (8/11), N = 12288 -> 3 waves (32/33): 10 / (6 / (8/11) + 4 / (32/33)).
    const uImg = 10 / (6 / (8 / 11) + 4 / (32 / 33));
    const uTxt = 10 / (6 / (4 / 11) + 4 / (8 / 11));
    // K/V on every image token (4096 rows: 32/33) and the 512 text tokens (4/11).
    const layers = tw * (1024 / uImg + 512 / uTxt) + kvf * (4096 / (32 / 33) + 512 / (4 / 11));
    // 1536 queries: 12 x 24 = 288 CTAs, 3 waves: 288 / 396.
    const flops = layers + (4 * d * qn) / (288 / 396);
    const expected = 40 * launch + Math.max(flops / peak, bytes / bw) + gemv / bw;
    expect(costs.c[0]).toBeCloseTo(expected, 12);
  });

  it('with the wave model off the same block is the plain roofline plus the GEMVs', () => {
    const model = resolveEditModel({ preset: 'flux', gemm_tile: 'off' });
    const costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
    costs.price(new BatchShape().add(1, 0.25, 0.75));
    const flops = tw * 1536 + kvf * 4608 + 4 * d * qn;
    expect(costs.c[0]).toBeCloseTo(40 * launch + Math.max(flops / peak, bytes / bw) + gemv / bw, 12);
  });

  it('a batch of four masked Flux requests gains more per request than the plain roofline gives', () => {
    const gain = (tile: 'off' | undefined) => {
      const model = resolveEditModel({ preset: 'flux', ...(tile ? { gemm_tile: tile } : {}) });
      const costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
      const step = (n: number) => blockSum(costs, model.blockGroup, 'c', uniformBatch(n, 0.15, 0.85));
      return (4 * step(1)) / step(4);
    };
    // Launches and GEMVs alone: 1.16x; with wave quantisation (default tiles, split-K): 1.23x.
    expect(gain('off')).toBeGreaterThan(1.1);
    expect(gain(undefined)).toBeGreaterThan(gain('off') + 0.05);
  });
});
