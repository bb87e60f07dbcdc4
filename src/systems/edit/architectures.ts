/**
 * What FlashPS caches per template, derived from the denoiser's architecture.
 *
 * FlashPS (EuroSys'26, Sec. 3.1 Fig. 5, Sec. 4.2) caches, for every transformer block and every
 * denoising step, the activations of that block for the unmasked tokens: one tensor of
 * tokens x width in the model's dtype (the artifact stores `o_{block}_{step}`, the attention output
 * of each block at each step). Its alternative (Fig. 7) caches the self-attention K and V instead,
 * "doubling the size" for 10% lower latency at mask 0.2. Per template and step:
 *
 *     bytes = sum over blocks (image tokens x width) x tensors(content) x bytes(dtype) x CFG branches
 *
 * and a template holds `steps` of them. Text tokens (Flux's 512 joint tokens) are not cached: they
 * are never masked and are recomputed.
 *
 * The check: OOTDiffusion, the model behind FlashPS's "SDXL" results (ref. [58]; the artifact runs
 * `run_ootd.py`, 20 steps, guidance 2), is an SD1.5 UNet (widths 320/640/1280/1280, one
 * transformer per attention ResNet, 16 blocks) at 1024 x 768; with one fp16 tensor per block, 20
 * steps and two CFG branches it caches 2.58 GiB per template. The paper states 2.6 GiB (Sec. 4.2),
 * and 2 TiB / 2.6 GiB = 787 templates per host (its Sec. 4.2 count).
 */
import { z } from 'zod';

/** What is cached per block per step (FlashPS Fig. 5 vs Fig. 7). */
export const CACHE_CONTENTS = {
  /** The block's attention output / hidden states of the unmasked tokens: one tensor (FlashPS's choice). */
  'attn-out': 1,
  /** The self-attention K and V of every token: two tensors; K/V projections then run on masked tokens only. */
  kv: 2,
} as const;
export type CacheContent = keyof typeof CACHE_CONTENTS;

/** Bytes per cached element. */
export const CACHE_DTYPES = { fp32: 4, fp16: 2, bf16: 2, fp8: 1 } as const;
export type CacheDtype = keyof typeof CACHE_DTYPES;

const keysOf = <T extends object>(o: T) => Object.keys(o) as [Extract<keyof T, string>, ...Extract<keyof T, string>[]];

export const cacheSchema = z
  .object({
    /** attn-out: one tensor per block and step (FlashPS, Fig. 5); kv: self-attention K and V (Fig. 7, twice the bytes). */
    content: z.enum(keysOf(CACHE_CONTENTS)).default('attn-out'),
    /** Element type of the cache; default the model's activation dtype (fp16 UNets, bf16 Flux). */
    dtype: z.enum(keysOf(CACHE_DTYPES)).optional(),
    /**
     * Which tokens of a block's cached tensor cross PCIe each step. unmasked (default): only the
     * unmasked tokens, gathered on the host. all: the whole tensor, as FlashPS's artifact does: its
     * attention processor holds full-size (batch, 4096, 3072) cache buffers and index_copy_'s the
     * masked tokens' fresh values into them (Sylvia-16/FlashPS,
     * diffusers/src/diffusers/models/attention_processor_short.py), so the copy moves every token.
     */
    load: z.enum(['unmasked', 'all']).default('unmasked'),
  })
  .strict();
export type CacheConfig = z.input<typeof cacheSchema>;

/** A transformer-block level of a denoiser: `blocks` blocks of `tokens` image tokens at width `dim`. */
export interface CachedLevel {
  tokens: number;
  dim: number;
  blocks: number;
}

/** Cached bytes of one template for one denoising step. */
export function cacheBytesPerStep(levels: readonly CachedLevel[], cfg: number, content: CacheContent, dtype: CacheDtype): number {
  let elements = 0;
  for (const l of levels) elements += l.tokens * l.dim * l.blocks;
  return elements * CACHE_CONTENTS[content] * CACHE_DTYPES[dtype] * cfg;
}

/**
 * SD1.5-architecture UNet levels (OOTDiffusion's denoising UNet) for a latent of h x w tokens:
 * five transformer blocks per attention level (2 down + 3 up) and one in the mid block
 * (diffusers UNet2DConditionModel, block_out_channels 320/640/1280/1280, layers_per_block 2).
 */
export function sd15Levels(h: number, w: number): CachedLevel[] {
  const t = h * w;
  return [
    { tokens: t, dim: 320, blocks: 5 },
    { tokens: t / 4, dim: 640, blocks: 5 },
    { tokens: t / 16, dim: 1280, blocks: 5 },
    { tokens: t / 64, dim: 1280, blocks: 1 },
  ];
}

/** The OOTDiffusion setting FlashPS measures as "SDXL": 1024 x 768 pixels (128 x 96 latent), 20 steps, CFG. */
export const OOTD = { levels: sd15Levels(128, 96), steps: 20, cfg: 2, source: 'FlashPS ref. [58] OOTDiffusion (AAAI 2025); artifact configs/ootd_config.yml: num_inference_steps 20, image_scale 2.0' } as const;
