/**
 * Model presets for the edit system: the denoiser as an ordered list of blocks (the unit at which
 * cached activations are loaded or recomputed), each block priced from FLOPs per token, weight
 * bytes and kernel launches; plus the text encoder, the VAE decoder and resident weights. Each
 * block's FLOPs are split by layer type, because masking shrinks them differently (costs.ts):
 * token-wise layers run on the masked tokens, the self-attention K/V projections on every token
 * unless K/V are what is cached, and ResNet convolutions on every token. The activation-cache size
 * follows from the same blocks (architectures.ts). Counts come from the published architectures;
 * the one calibrated constant (framework slowdown) says what it was fitted to.
 */
import { EDIT_MODEL_DEFAULTS, type EditModelName } from '../../workloads/edit/models.js';

export interface BlockGroup {
  /** Image tokens a block of this group sees at the preset resolution. */
  tokens: number;
  /** Hidden size. */
  dim: number;
  /**
   * FLOPs per token of the token-wise layers a masked block runs on masked tokens only (Q and
   * output projections, cross-attention, FFN, proj in/out), one CFG branch (FlashPS Sec. 3.1).
   */
  maskableFlopsPerToken: number;
  /** FLOPs per token of the self-attention K and V projections: every token unless K/V are cached. */
  kvFlopsPerToken: number;
  /** FLOPs per token of token-wise layers run on every token (`model.unmasked_layers`); absent: none. */
  everyTokenFlopsPerToken?: number;
  /**
   * FLOPs per token of the ResNet convolutions folded into the block. A 3x3 conv needs its
   * neighbours (a halo around the mask), and FlashPS changes only the transformer blocks, so
   * these run on every token whatever the mask.
   */
  convFlopsPerToken: number;
  /** Weight bytes one block reads per call. */
  weightBytes: number;
  /**
   * Of those, the weights of per-image GEMVs (Flux's adaLN modulation: one row per image, so a
   * memory-bound read whatever the token count). A compute-bound GEMM hides its weight read; these
   * cannot, so they are priced as their own memory-bound kernel, once per block whatever the batch.
   */
  gemvWeightBytes: number;
  /** Kernel launches per block call (eager framework). */
  kernels: number;
  /**
   * The GEMMs behind the FLOPs above, as [N output features, K inputs] per token, for wave
   * quantisation (kernels.ts): token-wise ones, the self-attention K/V projections, and the
   * ResNet convolutions as implicit GEMMs (absent without convs).
   */
  gemms: { tokenwise: ReadonlyArray<readonly [number, number]>; kv: ReadonlyArray<readonly [number, number]>; conv?: readonly [number, number]; every?: ReadonlyArray<readonly [number, number]> };
  /** Self-attention heads (FlashAttention launches one CTA per 128 queries per head). */
  heads: number;
  /**
   * Image and joint text tokens run through separate weights (Flux double-stream blocks: one
   * GEMM per stream, each on its own rows); otherwise they share every GEMM.
   */
  splitStreams: boolean;
}

export interface EditModelPreset {
  name: EditModelName;
  summary: string;
  source: string;
  steps: number;
  width: number;
  height: number;
  /** Denoiser batch per image: 2 with classifier-free guidance (SD2.1, SDXL), 1 for guidance-distilled Flux. */
  cfg: 1 | 2;
  /** Text tokens processed jointly with image tokens in every block (Flux MM-DiT); never masked. */
  jointTextTokens: number;
  groups: Record<string, BlockGroup>;
  /** Block order through one denoising step: [group, count] runs. */
  sequence: Array<[string, number]>;
  /** Measured / roofline time of the serving framework's kernels (applied to roofline prices only). */
  frameworkSlowdown: number;
  /** Element type of the activations (and so of the cache by default). */
  dtype: 'fp16' | 'bf16';
  textEncoder: { flops: number; weightBytes: number; kernels: number };
  /** VAE decoder work per output pixel. */
  vae: { flopsPerPixel: number; weightBytes: number; kernels: number };
  /** Every weight resident on a GPU worker (denoiser, text encoders, VAE), bytes. */
  weightsBytes: number;
  /** Peak activation workspace per image at the preset resolution, bytes. */
  workspaceBytes: number;
  sources: Record<string, string>;
}

/** Steps and resolution of a model's requests (shared with the workload generator). */
function shape(d: { steps: number; width: number; height: number }): { steps: number; width: number; height: number } {
  return { steps: d.steps, width: d.width, height: d.height };
}

/** Diffusers eager kernels per transformer block incl. its share of ResNet convs (estimate from the module structure). */
const UNET_KERNELS = 30;

/**
 * Fitted so SDXL's full step (1024^2, CFG) prices at its measured 54.6 ms on H800
 * (SwiftDiffusion, arXiv 2407.02031) on the h800 preset with default efficiencies and the default
 * GEMM tiles: 10.5 ms of launches plus 32.0 ms of wave-quantised roofline (kernels.ts) stretched
 * x1.3775 (attention softmax, norms and convs run below GEMM efficiency). Wave quantisation
 * explains a factor 1.34 of the 1.84 this constant was before it was modelled (SDXL's 1280-wide
 * level at 32^2 fills 2048 CFG rows: 160 CTAs of 128 x 128 on 132 SMs, two waves at 61%). With
 * `model.gemm_tile: off` the UNet steps price faster than the measurement (43.5 ms). Shared by the
 * UNet presets; Flux's DiT is GEMM-dominated and keeps the plain (wave-quantised) roofline.
 */
const UNET_SLOWDOWN = 1.3775;

/**
 * A UNet transformer block (diffusers BasicTransformerBlock) in MACs per token, d^2 units:
 * self-attn K+V 2 d^2; self-attn Q+O 2, cross-attn Q+O 2, GEGLU FFN 12 (d -> 8d, 4d -> d), proj
 * in/out 2 (per Transformer2DModel, counted per block): 18 d^2 token-wise beside K/V.
 */
const UNET_KV_MACS_D2 = 2;
const UNET_TOKENWISE_MACS_D2 = 18;
const UNET_BLOCK_MACS_D2 = UNET_KV_MACS_D2 + UNET_TOKENWISE_MACS_D2;

/** UNet token-wise layers that `model.unmasked_layers` can run on every token (the self Q/O stay masked). */
export const UNET_UNMASKABLE = ['cross-attention', 'proj', 'ffn'] as const;
export type UnetLayer = (typeof UNET_UNMASKABLE)[number];

/**
 * A UNet transformer block's token-wise layers: FLOPs per token (2 per MAC) and GEMM shapes. Self
 * Q/O, cross Q/O (plus scores and values over 77 text tokens: 4 x 77 x d a query), proj in/out
 * (d -> d), GEGLU d -> 8d and 4d -> d: 18 d^2 MACs in all (UNET_TOKENWISE_MACS_D2).
 */
export function unetTokenwiseLayers(dim: number): Record<'self' | UnetLayer, { flops: number; gemms: ReadonlyArray<readonly [number, number]> }> {
  const dd = [dim, dim] as const;
  return {
    self: { flops: 2 * 2 * dim * dim, gemms: [dd, dd] },
    'cross-attention': { flops: 2 * 2 * dim * dim + 4 * 77 * dim, gemms: [dd, dd] },
    proj: { flops: 2 * 2 * dim * dim, gemms: [dd, dd] },
    ffn: { flops: 2 * 12 * dim * dim, gemms: [[8 * dim, dim], [dim, 4 * dim]] },
  };
}

/**
 * Move the named layers' FLOPs and GEMMs from a UNet group's masked token-wise part to the
 * every-token part. Unchanged when none.
 */
export function unmaskUnetLayers(g: BlockGroup, layers: ReadonlyArray<UnetLayer>): BlockGroup {
  if (layers.length === 0) return g;
  const parts = unetTokenwiseLayers(g.dim);
  const moved = UNET_UNMASKABLE.filter((l) => layers.includes(l));
  const kept = (['self', ...UNET_UNMASKABLE] as const).filter((l) => !layers.includes(l as UnetLayer));
  const every = moved.reduce((a, l) => a + parts[l].flops, 0);
  return {
    ...g,
    maskableFlopsPerToken: g.maskableFlopsPerToken - every,
    everyTokenFlopsPerToken: every,
    gemms: { ...g.gemms, tokenwise: kept.flatMap((l) => parts[l].gemms), every: moved.flatMap((l) => parts[l].gemms) },
  };
}

function unetGroup(tokens: number, dim: number, resnetMacsD2: number, crossDim: number): BlockGroup {
  const d2 = dim * dim;
  return {
    tokens,
    dim,
    // 2 FLOPs per MAC; cross-attention scores and values over 77 text tokens: 4 x 77 x d per query.
    maskableFlopsPerToken: 2 * UNET_TOKENWISE_MACS_D2 * d2 + 4 * 77 * dim,
    kvFlopsPerToken: 2 * UNET_KV_MACS_D2 * d2,
    convFlopsPerToken: 2 * resnetMacsD2 * d2,
    // Block linears plus cross-attention K/V projections from the text width, fp16.
    weightBytes: 2 * (UNET_BLOCK_MACS_D2 * d2 + 2 * crossDim * dim + resnetMacsD2 * d2),
    kernels: UNET_KERNELS,
    // The ResNets' time-embedding projections are the only per-image GEMVs here: small, left in.
    gemvWeightBytes: 0,
    // Token-wise layers as unetTokenwiseLayers lists them; K/V d -> d; 3x3 convs as implicit GEMMs (K = 9 d).
    gemms: {
      tokenwise: Object.values(unetTokenwiseLayers(dim)).flatMap((l) => l.gemms),
      kv: [[dim, dim], [dim, dim]],
      conv: resnetMacsD2 > 0 ? [dim, 9 * dim] : undefined,
    },
    // Head dim 64 (SD2.x attention_head_dim 5/10/20 heads at 320/640/1280; SDXL 64 per head).
    heads: dim / 64,
    splitStreams: false,
  };
}

const SDXL: EditModelPreset = {
  name: 'sdxl',
  summary: 'Stable Diffusion XL inpainting, 1024^2, 50 steps, 70 transformer blocks',
  source: 'Podell et al. 2023 (SDXL): UNet 2.6 B params, transformer depths 2/10 at 64^2/32^2 latents, widths 640/1280; text encoders CLIP-L + OpenCLIP-bigG (817 M)',
  ...shape(EDIT_MODEL_DEFAULTS.sdxl),
  cfg: 2,
  jointTextTokens: 0,
  groups: {
    // ResNet convs (two 3x3 per ResNet: 18 d^2 MACs/pixel) folded into the blocks of their level;
    // the 128^2 level's five 320-channel ResNets go to the 64^2 blocks (same MACs: 18 d^2 there).
    'attn-64': unetGroup(4096, 640, 18 + 18, 2048),
    'attn-32': unetGroup(1024, 1280, (7 * 18) / 60, 2048),
  },
  // down: 2 x depth-2 at 64^2, 2 x depth-10 at 32^2; mid depth 10; up: 3 x depth-10, 3 x depth-2.
  sequence: [
    ['attn-64', 4],
    ['attn-32', 60],
    ['attn-64', 6],
  ],
  frameworkSlowdown: UNET_SLOWDOWN,
  dtype: 'fp16',
  // Two CLIP encoders, 77 tokens, prompt + negative prompt.
  textEncoder: { flops: 2 * 817e6 * 77 * 2, weightBytes: 2 * 817e6, kernels: 600 },
  vae: { flopsPerPixel: VAE_FLOPS_PER_PIXEL(), weightBytes: 2 * 83.7e6, kernels: 120 },
  weightsBytes: 2 * (2567e6 + 817e6 + 83.7e6),
  workspaceBytes: 0,
  sources: {
    cache: 'derived (architectures.ts): one fp16 tensor (tokens x width) per transformer block per step per CFG branch, FlashPS Sec. 3.1 / 4.2',
    step: 'SwiftDiffusion, arXiv 2407.02031: SDXL 1024^2 on H800 54.6 ms/step -> frameworkSlowdown',
    weights: 'Hugging Face model card: UNet 2,567 M, text encoders 123 M + 694 M, VAE 83.7 M params, fp16',
  },
};

const SD21: EditModelPreset = {
  name: 'sd2.1',
  summary: 'Stable Diffusion 2.1 inpainting, 512^2, 50 steps, 16 transformer blocks',
  source: 'Rombach et al. 2022 / Stability AI SD 2.1: UNet 865 M params, widths 320/640/1280/1280, one transformer per attention ResNet; OpenCLIP-H text encoder (354 M)',
  ...shape(EDIT_MODEL_DEFAULTS['sd2.1']),
  cfg: 2,
  jointTextTokens: 0,
  groups: {
    // Five ResNets per level (2 down + 3 up) folded into that level's five blocks: 18 d^2 each.
    'attn-64': unetGroup(4096, 320, 18, 1024),
    'attn-32': unetGroup(1024, 640, 18, 1024),
    'attn-16': unetGroup(256, 1280, 18, 1024),
    // Mid block at 8^2 carries the 8^2 level's seven ResNets.
    'mid-8': unetGroup(64, 1280, 7 * 18, 1024),
  },
  sequence: [
    ['attn-64', 2],
    ['attn-32', 2],
    ['attn-16', 2],
    ['mid-8', 1],
    ['attn-16', 3],
    ['attn-32', 3],
    ['attn-64', 3],
  ],
  frameworkSlowdown: UNET_SLOWDOWN,
  dtype: 'fp16',
  textEncoder: { flops: 2 * 354e6 * 77 * 2, weightBytes: 2 * 354e6, kernels: 300 },
  vae: { flopsPerPixel: VAE_FLOPS_PER_PIXEL(), weightBytes: 2 * 83.7e6, kernels: 120 },
  weightsBytes: 2 * (865e6 + 354e6 + 83.7e6),
  workspaceBytes: 0,
  sources: {
    cache: 'derived (architectures.ts): one fp16 tensor (tokens x width) per transformer block per step per CFG branch, FlashPS Sec. 3.1 / 4.2',
    step: 'roofline with the SDXL-calibrated framework slowdown (no published SD2.1 step time in the source papers)',
    weights: 'Hugging Face model card: UNet 865 M, OpenCLIP-H text 354 M, VAE 83.7 M params, fp16',
  },
};

/**
 * Flux MM-DiT width 3072 (diffusers FluxTransformer2DModel: 19 + 38 blocks, 24 heads x 128): per
 * stream QKV 3d^2 + O d^2 + MLP 8d^2 = 12 d^2 MACs per token; single blocks fuse the same 12 d^2
 * (QKV 3 + MLP in 4 + out 5). K/V are 2 d^2 of them.
 */
const FLUX_D = 3072;
const FLUX_KV_FLOPS = 2 * 2 * FLUX_D * FLUX_D;
const FLUX_TOKENWISE_FLOPS = 2 * 10 * FLUX_D * FLUX_D;

const FLUX: EditModelPreset = {
  name: 'flux',
  summary: 'FLUX.1 Fill/dev, 1024^2, 28 steps, 19 double + 38 single stream blocks',
  source: 'Black Forest Labs FLUX.1 (12 B): 19 double-stream + 38 single-stream blocks, width 3072, 2x2-packed 64x64 latent tokens + 512 T5 tokens; T5-XXL encoder 4.76 B',
  ...shape(EDIT_MODEL_DEFAULTS.flux),
  cfg: 1,
  jointTextTokens: 512,
  groups: {
    // Weights include adaLN modulation (6 d^2 per stream; per image, not per token): ~340 M params,
    // of which the modulation's 12 d^2 (norm1, norm1_context: d -> 6d) are GEMVs on one row per image.
    // Per stream: Q and O d -> d, FF d -> 4d -> d; image and text streams have their own weights.
    double: { tokens: 4096, dim: FLUX_D, maskableFlopsPerToken: FLUX_TOKENWISE_FLOPS, kvFlopsPerToken: FLUX_KV_FLOPS, convFlopsPerToken: 0, weightBytes: 2 * 36 * FLUX_D * FLUX_D, gemvWeightBytes: 2 * 12 * FLUX_D * FLUX_D, kernels: 40, gemms: { tokenwise: [[FLUX_D, FLUX_D], [FLUX_D, FLUX_D], [4 * FLUX_D, FLUX_D], [FLUX_D, 4 * FLUX_D]], kv: [[FLUX_D, FLUX_D], [FLUX_D, FLUX_D]] }, heads: 24, splitStreams: true },
    // 15 d^2 params (~141 M) with modulation (AdaLayerNormZeroSingle d -> 3d: a 3 d^2 GEMV).
    // Q d -> d, proj_mlp d -> 4d, proj_out 5d -> d, on the concatenated text + image tokens.
    single: { tokens: 4096, dim: FLUX_D, maskableFlopsPerToken: FLUX_TOKENWISE_FLOPS, kvFlopsPerToken: FLUX_KV_FLOPS, convFlopsPerToken: 0, weightBytes: 2 * 15 * FLUX_D * FLUX_D, gemvWeightBytes: 2 * 3 * FLUX_D * FLUX_D, kernels: 20, gemms: { tokenwise: [[FLUX_D, FLUX_D], [4 * FLUX_D, FLUX_D], [FLUX_D, 5 * FLUX_D]], kv: [[FLUX_D, FLUX_D], [FLUX_D, FLUX_D]] }, heads: 24, splitStreams: false },
  },
  sequence: [
    ['double', 19],
    ['single', 38],
  ],
  frameworkSlowdown: 1,
  dtype: 'bf16',
  // T5-XXL encoder over 512 tokens plus CLIP-L over 77; no negative prompt.
  textEncoder: { flops: 2 * 4762e6 * 512 + 2 * 123e6 * 77, weightBytes: 2 * (4762e6 + 123e6), kernels: 500 },
  vae: { flopsPerPixel: VAE_FLOPS_PER_PIXEL(), weightBytes: 2 * 83.8e6, kernels: 120 },
  weightsBytes: 2 * (11_901e6 + 4762e6 + 123e6 + 83.8e6),
  workspaceBytes: 0,
  sources: {
    cache: 'derived (architectures.ts): one bf16 tensor (4096 image tokens x 3072) per block per step; text tokens are recomputed',
    weights: 'Hugging Face model card: transformer 11.9 B, T5-XXL encoder 4.76 B, CLIP-L 123 M, VAE 83.8 M params, bf16',
  },
};

/**
 * SD/SDXL/Flux VAE decoder: 3x3 convs at 128/256/512/512 channels over the 1x/(1/2)^2/(1/4)^2/(1/8)^2
 * grids, ~8 convs per level: ~1.0 TMAC at 512^2, i.e. ~7.6 kFLOP per output pixel (architecture count).
 */
function VAE_FLOPS_PER_PIXEL(): number {
  const convMacsPerPixel = 9 * (8 * 128 * 128 + (8 * 256 * 256) / 4 + (8 * 512 * 512) / 16 + (10 * 512 * 512) / 64);
  return 2 * convMacsPerPixel;
}

/** Peak activations: ~24 live fp16 tensors of the widest block (x CFG), or the VAE's 128-channel full-res maps x 6. */
function withWorkspace(p: EditModelPreset): EditModelPreset {
  let unet = 0;
  for (const g of Object.values(p.groups)) unet = Math.max(unet, (g.tokens + p.jointTextTokens) * g.dim * 2 * 24 * p.cfg);
  const vae = p.width * p.height * 128 * 2 * 6;
  return { ...p, workspaceBytes: Math.max(unet, vae), sources: { ...p.sources, workspace: 'estimate: max(24 live block activations x CFG, VAE 128-ch full-resolution maps x 6)' } };
}

export const EDIT_MODELS = {
  'sd2.1': withWorkspace(SD21),
  sdxl: withWorkspace(SDXL),
  flux: withWorkspace(FLUX),
} as const satisfies Record<EditModelName, EditModelPreset>;

