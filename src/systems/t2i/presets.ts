/**
 * Base-model presets for text-to-image serving. Work is counted per denoising step with
 * classifier-free guidance (a batch of 2: prompt and negative prompt), at the preset's reference
 * resolution; costs.ts scales it to other sizes and prices it on the scenario's GPU.
 *
 * Absolute FLOP counts matter less than they look: the UNet step is calibrated against the one
 * measured figure SwiftDiffusion gives (SwiftDiffusion, arXiv 2407.02031: SDXL 1024^2 on H800: 54.6 ms/step, each serial ControlNet
 * ~+27 ms/step), so the counts only set how cost scales across GPUs and resolutions.
 */

import { CLIP_L, controlnetResidualElements, FLUX_VAE, OPENCLIP_BIGG, SD_VAE, T5_XXL, type TextEncoderArch, type VaeDecoderArch } from '../../cost/diffusion-parts.js';

const MB = 1e6;
const GB = 1e9;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const T = 1e12;

/** A group of identical linear layers a LoRA adapts: W is rows x cols, seen by `tokens` tokens per image. */
export interface AdaptedLayers {
  count: number;
  rows: number;
  cols: number;
  tokens: number;
  /** The layer reads text tokens, whose count does not grow with the image. */
  text?: boolean;
  /** A text-encoder layer: runs once per request, not every denoising step. */
  encoder?: boolean;
}

/**
 * LoRA layers of text encoders (kohya-ss sd-scripts' default SDXL LoRA targets both encoders'
 * self-attention q/k/v/out and MLP fc1/fc2 as well as the UNet's transformer blocks).
 */
export function textEncoderLoraLayers(encoders: readonly TextEncoderArch[]): AdaptedLayers[] {
  return encoders.flatMap((a) => [
    { count: a.layers * 4, rows: a.width, cols: a.width, tokens: a.tokens, text: true, encoder: true },
    { count: a.layers, rows: a.ff, cols: a.width, tokens: a.tokens, text: true, encoder: true },
    { count: a.layers, rows: a.width, cols: a.ff, tokens: a.tokens, text: true, encoder: true },
  ]);
}

export interface T2iModelPreset {
  name: string;
  summary: string;
  family: 'unet' | 'dit';
  width: number;
  height: number;
  steps: number;
  /** Denoiser FLOPs per image forward at the reference resolution (x2 per step for CFG). */
  denoiserFlops: number;
  /** Share of denoiser FLOPs in attention scores (quadratic in tokens); the rest is linear in pixels. */
  attentionShare: number;
  /** Base weights on the GPU: denoiser + text encoders + VAE, bytes. */
  baseBytes: number;
  denoiserBytes: number;
  /** Activation workspace at the reference resolution with CFG, bytes (scales with pixels). */
  workspaceBytes: number;
  /** Share of the denoiser step that runs before ControlNet residuals are needed (the encoder). */
  encoderFraction: number;
  controlnet: {
    /** ControlNet FLOPs as a share of the denoiser's. */
    flopsFraction: number;
    bytes: number;
    /** Residuals one ControlNet (or several, summed on their GPU) send back per step, with CFG, bytes. */
    residualBytes: number;
  };
  /** Text encoders, priced from their layers (cost/diffusion-parts.ts). */
  textEncoders: readonly TextEncoderArch[];
  /** VAE decoder, priced from its layers (cost/diffusion-parts.ts). */
  vae: VaeDecoderArch;
  lora: {
    layers: readonly AdaptedLayers[];
    /** Default rank; LoRA bytes = rank x sum(rows + cols) x 2 (fp16). */
    rank: number;
    /** Host-side framework time per patched layer (tensor lookup, dispatch), seconds. */
    dispatchSeconds: number;
  };
  /** Measured step time on a reference GPU; absent -> the SDXL calibration is reused. */
  calibration?: { gpu: 'h800'; stepSeconds: number; source: string };
  source: string;
}

/** Transformer-block LoRA layers of a UNet level: attention q/k/v/out (self and cross), GEGLU FF, proj_in/out. */
function unetLevel(blocks: number, groups: number, d: number, tokens: number, textDim: number): AdaptedLayers[] {
  return [
    { count: blocks * 6 + groups * 2, rows: d, cols: d, tokens }, // self q,k,v,out; cross q,out; proj_in/out
    { count: blocks * 2, rows: d, cols: textDim, tokens: 77, text: true }, // cross k,v read the 77 text tokens
    { count: blocks, rows: 8 * d, cols: d, tokens }, // GEGLU in
    { count: blocks, rows: d, cols: 4 * d, tokens }, // FF out
  ];
}

export const T2I_PRESETS = {
  sd15: {
    name: 'sd15',
    summary: 'Stable Diffusion 1.5 (860M UNet), 512x512, 50 steps',
    family: 'unet',
    width: 512,
    height: 512,
    steps: 50,
    denoiserFlops: 0.84 * T,
    attentionShare: 0.15,
    baseBytes: 2.13 * GB,
    denoiserBytes: 1.72 * GB,
    workspaceBytes: 1.5 * GiB,
    encoderFraction: 0.4,
    // Residuals: the skip + mid tensors of SD1.5's UNet at a 64x64 latent, fp16, x CFG.
    controlnet: { flopsFraction: 0.45, bytes: 0.72 * GB, residualBytes: 2 * 2 * controlnetResidualElements(64, 64, [320, 640, 1280, 1280]) },
    textEncoders: [CLIP_L],
    vae: SD_VAE,
    lora: {
      layers: [
        ...unetLevel(5, 5, 320, 4096, 768),
        ...unetLevel(5, 5, 640, 1024, 768),
        ...unetLevel(6, 6, 1280, 256, 768), // 5 at 16x16 latent + the mid block (counted at 256 tokens; 64 really)
      ],
      rank: 128,
      dispatchSeconds: 130e-6,
    },
    source:
      'NVIDIA TensorRT SD talk (sgpjbg.com report 155314): UNet 1.68 TFLOPs per CFG step at 64x64 latent; ' +
      'weights: UNet 860M, CLIP-L 123M, VAE 84M params fp16 (model cards); ControlNet 361M params fp16; ' +
      'attention share, encoder fraction, workspace: estimates',
  },
  sdxl: {
    name: 'sdxl',
    summary: 'Stable Diffusion XL base (2.6B UNet), 1024x1024, 50 steps',
    family: 'unet',
    width: 1024,
    height: 1024,
    steps: 50,
    denoiserFlops: 6.4 * T,
    attentionShare: 0.12,
    baseBytes: 6.9 * GB,
    denoiserBytes: 5.14 * GB,
    workspaceBytes: 4 * GiB,
    encoderFraction: 0.4,
    // SwiftDiffusion (arXiv 2407.02031): each serial ControlNet ~+27 ms on a 54.6 ms step -> 0.494 of the UNet's work.
    // Residuals: SDXL's 9 skip tensors + mid at a 128x128 latent (26.9 M elements), fp16, x CFG.
    controlnet: { flopsFraction: 27 / 54.6, bytes: 3 * GiB, residualBytes: 2 * 2 * controlnetResidualElements(128, 128, [320, 640, 1280]) },
    textEncoders: [CLIP_L, OPENCLIP_BIGG],
    vae: SD_VAE,
    lora: {
      layers: [...unetLevel(10, 5, 640, 4096, 2048), ...unetLevel(60, 6, 1280, 1024, 2048)],
      // 80 x 2,659,840 x 2 B = 406 MiB, inside SwiftDiffusion's 341-456 MiB.
      rank: 80,
      // SwiftDiffusion: in-place patch 0.09-0.12 s on H800; the merge kernels are ~9 ms of it (roofline),
      // the rest is per-layer framework work: (0.105 - 0.009) / 722 layers.
      dispatchSeconds: 133e-6,
    },
    calibration: { gpu: 'h800', stepSeconds: 0.0546, source: 'SwiftDiffusion, arXiv 2407.02031: SDXL 1024^2, 50 steps, H800: 54.6 ms/step' },
    source:
      'SDXL report (Podell et al. 2023): 2.6B UNet, 70 transformer blocks (10 at 640 ch, 60 at 1280 ch), CLIP-L + OpenCLIP bigG; ' +
      'FLOPs ~6.4 T per image forward at 128x128 latent (estimate from the block shapes); ControlNet ~3 GiB, LoRA 341-456 MiB (SwiftDiffusion, arXiv 2407.02031); ' +
      'text encoders, VAE and ControlNet residuals from their architectures (cost/diffusion-parts.ts)',
  },
  'sd3-medium': {
    name: 'sd3-medium',
    summary: 'Stable Diffusion 3 Medium (2B MMDiT), 1024x1024, 28 steps',
    family: 'dit',
    width: 1024,
    height: 1024,
    steps: 28,
    denoiserFlops: 20 * T,
    attentionShare: 0.13,
    baseBytes: 15.4 * GB,
    denoiserBytes: 4.0 * GB,
    workspaceBytes: 5 * GiB,
    // A DiT ControlNet feeds residuals into the first blocks: almost nothing runs before they are needed.
    encoderFraction: 0.02,
    controlnet: { flopsFraction: 0.5, bytes: 2.2 * GB, residualBytes: 302 * MB },
    // SD3's pipeline caps T5 prompts at 256 tokens (diffusers StableDiffusion3Pipeline max_sequence_length).
    textEncoders: [CLIP_L, OPENCLIP_BIGG, { ...T5_XXL, tokens: 256 }],
    vae: FLUX_VAE, // SD3's VAE: the same decoder over 16 latent channels
    lora: {
      layers: [
        { count: 24 * 4, rows: 1536, cols: 1536, tokens: 4096 }, // image-stream q,k,v,out
        { count: 24 * 2, rows: 6144, cols: 1536, tokens: 4096 }, // image FF (in, out: same rows+cols)
        { count: 24 * 4, rows: 1536, cols: 1536, tokens: 333, text: true }, // text-stream q,k,v,out (77 CLIP + 256 T5 tokens)
        { count: 24 * 2, rows: 6144, cols: 1536, tokens: 333, text: true },
      ],
      rank: 64,
      dispatchSeconds: 133e-6,
    },
    source:
      'SD3 paper (Esser et al. 2024) and model card: 2B MMDiT, 24 blocks, hidden 1536, patch 2 (4096 image tokens at 1024^2), CLIP-L + bigG + T5-XXL (4.7B), 28 steps default; ' +
      'FLOPs ~2 x params x tokens + attention (estimate); ControlNet: half the blocks (estimate, InstantX-style); dispatch as SDXL',
  },
} as const satisfies Record<string, T2iModelPreset>;

export type T2iPresetName = keyof typeof T2I_PRESETS;

export const MIB = MiB;

/**
 * Step-time factor of SwiftDiffusion-style kernel work on the denoiser (CUDA graphs, fused kernels,
 * channels-last), for `policy.step_factor`. SwiftDiffusion names these optimisations without one
 * figure for them alone, so this is the closest published measurement of the same set: PyTorch
 * blog "Accelerating Generative AI Part III: Diffusion, Fast" (Paul & von Platen, 2024), SDXL
 * 30 steps on A100: bf16 + SDPA 3.31 s -> + torch.compile max-autotune (CUDA graphs, fused
 * kernels) with channels-last and fused QKV projections 2.52 s. A documented, sweepable assumption.
 */
export const KERNEL_STEP_FACTOR = 2.52 / 3.31;
