import { describe, expect, it } from 'vitest';
import {
  CLIP_L,
  controlnetResidualElements,
  OPENCLIP_BIGG,
  partSeconds,
  sumLayers,
  T5_XXL,
  TEXT_ENCODERS,
  textEncodeSeconds,
  textEncoderLayers,
  vaeDecoderLayers,
  vaeDecodeSeconds,
} from '../../src/cost/diffusion-parts.js';
import { RooflineCost, type CostModel } from '../../src/cost/model.js';
import type { Op } from '../../src/cost/ops.js';
import { GPUS } from '../../src/hardware/gpus.js';

const matmul = (names: RegExp) => (l: { name: string }) => names.test(l.name);

describe('vaeDecoderLayers(128, 128): the SDXL AutoencoderKL decoder at 1024^2', () => {
  const L = vaeDecoderLayers(128, 128);

  it('convolution and attention FLOPs equal the hand count from the architecture', () => {
    // 3x3 convs per resolution (channels in -> out), written out from block_out_channels
    // [128, 256, 512, 512], 3 resnets per up block, upsample conv after the first three blocks.
    const c3 = (cin: number, cout: number, px: number) => 2 * 9 * cin * cout * px;
    const c1 = (cin: number, cout: number, px: number) => 2 * cin * cout * px;
    const p128 = 128 * 128;
    const p256 = 4 * p128;
    const p512 = 16 * p128;
    const p1024 = 64 * p128;
    const convs =
      c1(4, 4, p128) + // post_quant_conv
      c3(4, 512, p128) + // conv_in
      4 * c3(512, 512, p128) + // mid: 2 resnets x 2 convs
      6 * c3(512, 512, p128) + // up0: 3 resnets
      c3(512, 512, p256) + 6 * c3(512, 512, p256) + // up0 upsample conv, up1
      c3(512, 512, p512) + c3(512, 256, p512) + 5 * c3(256, 256, p512) + c1(512, 256, p512) + // up1 upsample, up2
      c3(256, 256, p1024) + c3(256, 128, p1024) + 5 * c3(128, 128, p1024) + c1(256, 128, p1024) + // up2 upsample, up3
      c3(128, 3, p1024); // conv_out
    const attn = 4 * 2 * p128 * 512 * 512 + 4 * p128 * p128 * 512; // q,k,v,out + scores/values
    const counted = sumLayers(L.filter(matmul(/conv|shortcut|attn\.(q|k|v|out|sdpa)$/)), 'flops');
    expect(counted).toBe(convs + attn);
    // Norms, activations and adds are a rounding error on top.
    expect(sumLayers(L, 'flops') / (convs + attn)).toBeGreaterThan(1);
    expect(sumLayers(L, 'flops') / (convs + attn)).toBeLessThan(1.01);
  });

  it('holds the decoder weights of the published checkpoint (49,490,199 parameters)', () => {
    // stabilityai/sdxl-vae: decoder + post_quant_conv parameters.
    expect(sumLayers(L, 'params')).toBe(49_490_199);
  });

  it('batch b multiplies activation work, not weight bytes', () => {
    const L2 = vaeDecoderLayers(128, 128, 2);
    const w = sumLayers(L, 'params') * 2;
    expect(sumLayers(L2, 'flops')).toBeCloseTo(2 * sumLayers(L, 'flops'), -3);
    expect(sumLayers(L2, 'bytes')).toBeCloseTo(2 * sumLayers(L, 'bytes') - w, -3);
  });
});

describe('textEncoderLayers(arch, prompts)', () => {
  it('CLIP-L and OpenCLIP-bigG match their published parameter counts', () => {
    // openai/clip-vit-large-patch14 text model: 123.06 M; SDXL text_encoder_2 694.66 M, of which
    // the 1280x1280 text projection (1.64 M) is outside the transformer we run.
    expect(sumLayers(textEncoderLayers(CLIP_L, 1), 'params') / 1e6).toBeCloseTo(123.06, 1);
    expect(sumLayers(textEncoderLayers(OPENCLIP_BIGG, 1), 'params') / 1e6).toBeCloseTo(694.66 - 1.64, 0);
    expect(sumLayers(textEncoderLayers(T5_XXL, 1), 'params') / 1e9).toBeCloseTo(4.76, 2);
  });

  it('FLOPs = 2 x matmul params x tokens + 4 tokens^2 width per layer', () => {
    for (const a of [CLIP_L, OPENCLIP_BIGG]) {
      const prompts = 2;
      const perLayer = 4 * a.width * a.width + 2 * a.width * a.ff;
      const want = prompts * a.layers * (2 * a.tokens * perLayer + 4 * a.tokens * a.tokens * a.width);
      const got = sumLayers(textEncoderLayers(a, prompts).filter(matmul(/\.(q|k|v|out|fc1|fc2|sdpa)$/)), 'flops');
      expect(got).toBe(want);
    }
  });
});

describe('controlnetResidualElements(h, w, blockOut)', () => {
  it('SDXL at 128x128 latent: 9 skip tensors + mid = 26,869,760 elements', () => {
    const p = 128 * 128;
    const want =
      320 * p * 3 + // conv_in + 2 resnets at 128^2
      320 * (p / 4) + // downsample
      640 * (p / 4) * 2 + // 2 resnets at 64^2
      640 * (p / 16) + // downsample
      1280 * (p / 16) * 2 + // 2 resnets at 32^2
      1280 * (p / 16); // mid
    expect(controlnetResidualElements(128, 128, [320, 640, 1280])).toBe(want);
    expect(want).toBe(26_869_760);
  });
});

describe('pricing', () => {
  const roof = new RooflineCost(GPUS.h800);

  it('vaeDecodeSeconds on an H800 sits between the compute floor and the per-kernel sum of both bounds', () => {
    const L = vaeDecoderLayers(128, 128);
    const floor = sumLayers(L, 'flops') / (989e12 * 0.6);
    const ceiling = floor + sumLayers(L, 'bytes') / (3350e9 * 0.8) + L.length * 5e-6;
    const s = vaeDecodeSeconds(roof, 1024 * 1024);
    expect(s).toBeGreaterThan(floor);
    expect(s).toBeLessThan(ceiling);
  });

  it('a profile that fits the op kind prices the part as one op with summed work', () => {
    const seen: Op[] = [];
    const fitted: CostModel = {
      overlap: 1,
      link: () => undefined,
      source: () => 'fitted in test',
      opSeconds: (op) => (seen.push(op), 1),
    };
    const L = textEncoderLayers(CLIP_L, 2);
    expect(partSeconds(fitted, 'text_encoder', L)).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.flops).toBe(sumLayers(L, 'flops'));
  });

  it('textEncodeSeconds is the sum over the model\'s encoders and 0 for no prompts', () => {
    const both = textEncodeSeconds(roof, TEXT_ENCODERS.sdxl!, 2);
    expect(both).toBeCloseTo(textEncodeSeconds(roof, [CLIP_L], 2) + textEncodeSeconds(roof, [OPENCLIP_BIGG], 2), 12);
    expect(textEncodeSeconds(roof, TEXT_ENCODERS.sdxl!, 0)).toBe(0);
  });
});
