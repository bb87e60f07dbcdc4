/**
 * Prices a t2i model on the scenario's hardware: seconds per denoising step (with CFG), per
 * ControlNet step, text encoder, VAE decode, LoRA patch and unmerged LoRA compute, and the bytes
 * that move (LoRA, ControlNet, residuals). Measured overrides from the model config win.
 *
 * The denoiser and ControlNet steps are priced by the GPU cost model and scaled by the achieved
 * fraction measured on a reference GPU (SDXL on H800, SwiftDiffusion's characterisation): a
 * roofline predicts an ideal step, real PyTorch pipelines reach a fraction of it. The text encoders
 * and the VAE decoder are priced layer by layer from their architectures (cost/diffusion-parts.ts),
 * the same function the edit system uses. A calibrated profile that fits the op kind is used as is. LoRA merge and unmerged GEMMs are kernels, priced
 * directly (a profile with a fitted lora_merge/gemm changes them).
 */
import { RooflineCost, type CostModel } from '../../cost/model.js';
import { gemmOp, loraMergeOp, networkOp, type Op } from '../../cost/ops.js';
import { textEncodeSeconds, vaeDecodeSeconds } from '../../cost/diffusion-parts.js';
import { GPUS } from '../../hardware/gpus.js';
import type { ResolvedHardware } from '../hardware.js';
import { MIB, T2I_PRESETS, textEncoderLoraLayers, type AdaptedLayers, type T2iModelPreset } from './presets.js';
import type { T2iModelConfig } from './schemas.js';

const GiB = 2 ** 30;
/** Classifier-free guidance: prompt and negative prompt run as a batch of 2. */
const CFG = 2;

/** Costs that depend on the image size. */
export interface SizeCosts {
  pixels: number;
  /** Denoiser step, s (no add-ons). */
  unet: number;
  /** One ControlNet step, s. */
  controlnet: number;
  /** The same steps for one CFG branch (batch 1), when the branches run on two GPUs. */
  unetBranch: number;
  controlnetBranch: number;
  /** One branch's noise prediction (the latent, fp16): what the two branch GPUs exchange each step. */
  latentBytes: number;
  textEncoder: number;
  vae: number;
  /** Seconds of the denoiser step before ControlNet residuals are needed. */
  overlap: number;
  residualBytes: number;
  /** Extra step seconds per LoRA computed unmerged. */
  unmergedPerLora: number;
  workspaceBytes: number;
}

export class T2iCosts {
  readonly preset: T2iModelPreset;
  readonly steps: number;
  readonly width: number;
  readonly height: number;
  readonly maxPixels: number;
  readonly loraRank: number;
  readonly loraBytes: number;
  readonly controlnetBytes: number;
  readonly baseBytes: number;
  /** Patch (or unpatch) of one LoRA, s. */
  readonly patchSeconds: number;
  /** LoRA layers adapted: the denoiser's, plus the text encoders' when `lora_text_encoder`. */
  readonly loraLayers: readonly AdaptedLayers[];
  readonly encoderFraction: number;
  /** Reference-GPU measured / roofline: how far real pipelines are from the roofline. */
  readonly slowdown: number;
  private readonly bySize = new Map<number, SizeCosts>();
  private readonly refPixels: number;

  constructor(
    private readonly cfg: T2iModelConfig,
    private readonly hw: ResolvedHardware,
  ) {
    const p: T2iModelPreset = T2I_PRESETS[cfg.preset];
    this.preset = p;
    this.steps = cfg.steps ?? p.steps;
    this.width = cfg.width ?? p.width;
    this.height = cfg.height ?? p.height;
    this.refPixels = p.width * p.height;
    this.maxPixels = cfg.max_pixels ?? 4 * this.width * this.height;
    this.loraRank = cfg.lora_rank ?? p.lora.rank;
    this.loraLayers = cfg.lora_text_encoder ? [...p.lora.layers, ...textEncoderLoraLayers(p.textEncoders)] : p.lora.layers;
    this.encoderFraction = cfg.encoder_fraction ?? p.encoderFraction;
    const perRank = this.loraLayers.reduce((s, l) => s + l.count * (l.rows + l.cols) * 2, 0);
    this.loraBytes = cfg.lora_mib !== undefined ? cfg.lora_mib * MIB : this.loraRank * perRank;
    this.controlnetBytes = cfg.controlnet_gib !== undefined ? cfg.controlnet_gib * GiB : p.controlnet.bytes;
    this.baseBytes = cfg.base_gib !== undefined ? cfg.base_gib * GiB : p.baseBytes;
    this.slowdown = referenceSlowdown(p);
    this.patchSeconds = this.patchSecondsFor(1, false);
  }

  /**
   * Patch (or unpatch) of n LoRAs: one pass over the weights per LoRA, or with `fused` one pass in
   * all (W += sum_i a_i B_i A_i: the merge GEMM has rank n r, W is read and written once, one
   * dispatch per layer). A measured patch_ms is per LoRA and is not split further.
   */
  patchSecondsFor(n: number, fused: boolean): number {
    if (n <= 0) return 0;
    if (this.cfg.patch_ms !== undefined) return (n * this.cfg.patch_ms) / 1000;
    return fused ? this.mergeSeconds(this.hw.gpuCost, n) : n * this.mergeSeconds(this.hw.gpuCost, 1);
  }

  /** Costs at a size (memoised: traces use a handful of sizes). */
  at(width = this.width, height = this.height): SizeCosts {
    const px = width * height;
    let c = this.bySize.get(px);
    if (!c) {
      c = this.price(px);
      this.bySize.set(px, c);
    }
    return c;
  }

  /** Workspace a worker reserves: enough for the largest accepted image. */
  get reservedWorkspace(): number {
    return this.at(1, this.maxPixels).workspaceBytes;
  }

  /** Workspace of a GPU that only runs ControlNets (activations of a ControlNet: its share of the UNet's). */
  get controlnetWorkspace(): number {
    return this.reservedWorkspace * this.preset.controlnet.flopsFraction;
  }

  private price(px: number): SizeCosts {
    const p = this.preset;
    const cfg = this.cfg;
    const r = px / this.refPixels;
    const defR = (this.width * this.height) / this.refPixels;
    // Work scales linearly in pixels except attention scores (quadratic in tokens).
    const work = (x: number) => (1 - p.attentionShare) * x + p.attentionShare * x * x;
    const workRatio = work(r) / work(defR);
    // A branch is batch 1: half the FLOPs, all the weight bytes (the roofline says what that saves;
    // the reference slowdown is assumed the same at batch 1). Measured overrides are for the CFG
    // batch; a branch is taken as half of one.
    const unetOp = (b: number) => networkOp('unet_step', b * p.denoiserFlops * work(r), p.denoiserBytes);
    const cnOp = (b: number) => networkOp('controlnet_step', b * p.denoiserFlops * p.controlnet.flopsFraction * work(r), p.controlnet.bytes);
    const measured = (ms: number | undefined, b: number, op: Op) => (ms !== undefined ? ((ms / 1000) * workRatio * b) / CFG : this.network(op));
    const unet = measured(cfg.unet_step_ms, CFG, unetOp(CFG));
    const controlnet = measured(cfg.controlnet_step_ms, CFG, cnOp(CFG));
    // Shared parts: priced from their layers, the same way for every system (no denoiser slowdown:
    // that measurement is of the UNet step).
    const textEncoder = cfg.text_encoder_ms !== undefined ? cfg.text_encoder_ms / 1000 : textEncodeSeconds(this.hw.gpuCost, p.textEncoders, CFG);
    const vae = cfg.vae_ms !== undefined ? (cfg.vae_ms / 1000) * (r / defR) : vaeDecodeSeconds(this.hw.gpuCost, px, 1, p.vae);
    const unmergedPerLora =
      cfg.unmerged_step_ms !== undefined ? (cfg.unmerged_step_ms / 1000) * (r / defR) : this.unmergedSeconds(this.hw.gpuCost, r);
    return {
      pixels: px,
      unet,
      controlnet,
      unetBranch: measured(cfg.unet_step_ms, 1, unetOp(1)),
      controlnetBranch: measured(cfg.controlnet_step_ms, 1, cnOp(1)),
      // SDXL/SD latents: 4 channels at 1/8 the pixels per axis (16 channels for a 16-channel VAE), fp16.
      latentBytes: (px / (p.vae.scale * p.vae.scale)) * p.vae.latentChannels * 2,
      textEncoder,
      vae,
      overlap: this.encoderFraction * unet,
      // Residuals and workspace grow with pixels; presets give them at the reference size,
      // overrides at the model's default size.
      residualBytes: cfg.residual_mib !== undefined ? cfg.residual_mib * MIB * (r / defR) : p.controlnet.residualBytes * r,
      unmergedPerLora,
      workspaceBytes: cfg.workspace_gib !== undefined ? cfg.workspace_gib * GiB * (r / defR) : p.workspaceBytes * r,
    };
  }

  /** A whole-network op: the cost model's price, times the reference slowdown unless a profile fits it. */
  private network(op: Op): number {
    const cost = this.hw.gpuCost;
    return fitted(cost, op) ? cost.opSeconds(op) : cost.opSeconds(op) * this.slowdown;
  }

  /** W += sum of n alpha B A over every adapted layer in one pass, plus per-layer framework time. */
  private mergeSeconds(cost: CostModel, n: number): number {
    let s = 0;
    for (const l of this.loraLayers) {
      s += l.count * (cost.opSeconds(loraMergeOp(l.rows, l.cols, n * this.loraRank)) + this.preset.lora.dispatchSeconds);
    }
    return s;
  }

  /** Per step: y += B (A x) beside every adapted layer, for the CFG batch. */
  private unmergedSeconds(cost: CostModel, r: number): number {
    let s = 0;
    for (const l of this.loraLayers) {
      if (l.encoder) continue; // text-encoder layers run once per request, not per step
      const tokens = CFG * Math.max(1, Math.round(l.text ? l.tokens : l.tokens * r));
      s += l.count * (cost.opSeconds(gemmOp(tokens, this.loraRank, l.cols)) + cost.opSeconds(gemmOp(tokens, l.rows, this.loraRank)));
    }
    return s;
  }
}

function fitted(cost: CostModel, op: Op): boolean {
  // ProfileCost names its fits 'fitted in ...'; anything else is a roofline fallback.
  return cost.source(op.kind).startsWith('fitted');
}

const slowdowns = new Map<string, number>();

/**
 * Measured step / roofline step on the reference GPU (default efficiencies). Presets without a
 * measurement reuse SDXL's: the same kind of PyTorch pipeline on the same kind of GPU.
 */
export function referenceSlowdown(p: T2iModelPreset): number {
  const ref: T2iModelPreset = p.calibration ? p : T2I_PRESETS.sdxl;
  let s = slowdowns.get(ref.name);
  if (s === undefined) {
    const cal = ref.calibration!;
    const roof = new RooflineCost(GPUS[cal.gpu]);
    s = cal.stepSeconds / roof.opSeconds(networkOp('unet_step', CFG * ref.denoiserFlops, ref.denoiserBytes));
    slowdowns.set(ref.name, s);
  }
  return s;
}
