/**
 * The parts every latent-diffusion pipeline shares, priced once for all systems (edit and t2i):
 * the VAE decoder and the text encoders. Each part is written out as its layer list (the kernels
 * an eager PyTorch pipeline launches, each with its FLOPs and bytes of traffic), and priced as
 * the sum of the layers on the GPU's cost model; a profile that fits the op kind prices the whole
 * part as one op.
 *
 * Architectures:
 *  - VAE decoder: diffusers AutoencoderKL (SD1.x/2.x/SDXL `vae/config.json`: latent_channels 4,
 *    block_out_channels [128, 256, 512, 512], layers_per_block 2; FLUX.1: latent_channels 16),
 *    decoder = post_quant_conv, conv_in, mid block (resnet, single-head attention, resnet), four
 *    up blocks of layers_per_block + 1 resnets (nearest x2 upsample + 3x3 conv after the first
 *    three), GroupNorm + SiLU + conv_out.
 *  - Text encoders: CLIP ViT-L/14 text (12 layers, width 768, MLP 3072; openai/clip-vit-large-patch14
 *    config), OpenCLIP ViT-bigG/14 text (32 layers, 1280, 5120; SDXL text_encoder_2 config),
 *    OpenCLIP ViT-H/14 text (24 layers, 1024, 4096; SD2.1 text_encoder config), T5-XXL encoder
 *    (24 layers, d_model 4096, gated-GELU d_ff 10240, 64 heads x 64; google/t5-v1_1-xxl config).
 *    CLIP prompts are 77 tokens, T5 512 (FLUX.1's max_sequence_length).
 */
import type { CostModel } from './model.js';
import { networkOp } from './ops.js';
import type { Dtype } from '../hardware/types.js';

/** One kernel of a part: FLOPs and bytes it moves. */
export interface PartLayer {
  name: string;
  flops: number;
  bytes: number;
  /** Weight elements it reads (to check a layer list against a published parameter count). */
  params: number;
}

const E16 = 2; // fp16 bytes per element

// --- layer helpers (2 FLOPs per multiply-add; inputs and weights read once, outputs written once) ---

function conv(name: string, cin: number, cout: number, k: number, px: number, batch: number, e: number): PartLayer {
  const params = cin * cout * k * k + cout;
  return { name, flops: 2 * cin * cout * k * k * px * batch, bytes: params * e + (cin + cout) * px * batch * e, params };
}

/** A memory-bound elementwise kernel over `elements` (GroupNorm, SiLU, add): `passes` tensor reads + writes. */
function eltwise(name: string, elements: number, passes: number, e: number, params = 0): PartLayer {
  return { name, flops: 8 * elements, bytes: passes * elements * e + params * e, params };
}

function linear(name: string, tokens: number, cin: number, cout: number, e: number, bias = true): PartLayer {
  const params = cin * cout + (bias ? cout : 0);
  return { name, flops: 2 * tokens * cin * cout, bytes: params * e + tokens * (cin + cout) * e, params };
}

/** Fused scaled-dot-product attention (flash): scores and values 4 N_q N_kv d, reads q,k,v and writes o once. */
function sdpa(name: string, seqs: number, n: number, width: number, e: number): PartLayer {
  return { name, flops: 4 * seqs * n * n * width, bytes: 4 * seqs * n * width * e, params: 0 };
}

// --- VAE decoder --------------------------------------------------------------------------------

export interface VaeDecoderArch {
  latentChannels: number;
  blockOutChannels: readonly number[];
  layersPerBlock: number;
  /** Output pixels per latent element along each axis (2^(blocks - 1)). */
  scale: number;
}

/** SD1.x / SD2.x / SDXL AutoencoderKL (their vae/config.json files). */
export const SD_VAE: VaeDecoderArch = { latentChannels: 4, blockOutChannels: [128, 256, 512, 512], layersPerBlock: 2, scale: 8 };
/** FLUX.1 AutoencoderKL: the same decoder over 16 latent channels (black-forest-labs/FLUX.1-dev vae/config.json). */
export const FLUX_VAE: VaeDecoderArch = { ...SD_VAE, latentChannels: 16 };

function resnet(out: PartLayer[], tag: string, cin: number, cout: number, px: number, b: number, e: number): void {
  out.push(eltwise(`${tag}.norm1`, cin * px * b, 2, e, 2 * cin), eltwise(`${tag}.silu1`, cin * px * b, 2, e));
  out.push(conv(`${tag}.conv1`, cin, cout, 3, px, b, e));
  out.push(eltwise(`${tag}.norm2`, cout * px * b, 2, e, 2 * cout), eltwise(`${tag}.silu2`, cout * px * b, 2, e));
  out.push(conv(`${tag}.conv2`, cout, cout, 3, px, b, e));
  if (cin !== cout) out.push(conv(`${tag}.shortcut`, cin, cout, 1, px, b, e));
  out.push(eltwise(`${tag}.add`, cout * px * b, 3, e));
}

/**
 * The decoder's kernels for `batch` images whose latent is `latentH` x `latentW`. Activations are
 * `dtype` (SDXL's own VAE config sets force_upcast, so Diffusers decodes it in fp32 unless a
 * fp16-safe VAE is loaded; the caller chooses).
 */
export function vaeDecoderLayers(latentH: number, latentW: number, batch = 1, arch: VaeDecoderArch = SD_VAE, dtype: Dtype = 'fp16'): PartLayer[] {
  const e = dtype === 'fp32' ? 4 : E16;
  const L: PartLayer[] = [];
  const chans = [...arch.blockOutChannels].reverse(); // up blocks run widest first
  let px = latentH * latentW;
  const top = chans[0]!;
  L.push(conv('post_quant_conv', arch.latentChannels, arch.latentChannels, 1, px, batch, e));
  L.push(conv('conv_in', arch.latentChannels, top, 3, px, batch, e));
  resnet(L, 'mid.resnet0', top, top, px, batch, e);
  L.push(eltwise('mid.attn.norm', top * px * batch, 2, e, 2 * top));
  for (const p of ['q', 'k', 'v']) L.push(linear(`mid.attn.${p}`, px * batch, top, top, e));
  L.push(sdpa('mid.attn.sdpa', batch, px, top, e));
  L.push(linear('mid.attn.out', px * batch, top, top, e));
  L.push(eltwise('mid.attn.add', top * px * batch, 3, e));
  resnet(L, 'mid.resnet1', top, top, px, batch, e);
  let prev = top;
  chans.forEach((c, i) => {
    for (let j = 0; j <= arch.layersPerBlock; j++) {
      resnet(L, `up${i}.resnet${j}`, j === 0 ? prev : c, c, px, batch, e);
    }
    prev = c;
    if (i < chans.length - 1) {
      L.push(eltwise(`up${i}.upsample.nearest`, c * px * batch, 5, e)); // read 1, write 4
      px *= 4;
      L.push(conv(`up${i}.upsample.conv`, c, c, 3, px, batch, e));
    }
  });
  L.push(eltwise('norm_out', prev * px * batch, 2, e, 2 * prev), eltwise('silu_out', prev * px * batch, 2, e));
  L.push(conv('conv_out', prev, 3, 3, px, batch, e));
  return L;
}

// --- text encoders --------------------------------------------------------------------------------

export interface TextEncoderArch {
  name: string;
  layers: number;
  width: number;
  /** MLP hidden size. */
  ff: number;
  /** Gated MLP (T5's gated-GELU: two input projections). */
  gated: boolean;
  /** Attention inner width (heads x head dim); = width for CLIP. */
  inner: number;
  tokens: number;
  vocab: number;
  source: string;
}

export const CLIP_L: TextEncoderArch = {
  name: 'CLIP ViT-L/14 text', layers: 12, width: 768, ff: 3072, gated: false, inner: 768, tokens: 77, vocab: 49408,
  source: 'openai/clip-vit-large-patch14 text_config: 12 layers, hidden 768, intermediate 3072, 77 positions',
};
export const OPENCLIP_BIGG: TextEncoderArch = {
  name: 'OpenCLIP ViT-bigG/14 text', layers: 32, width: 1280, ff: 5120, gated: false, inner: 1280, tokens: 77, vocab: 49408,
  source: 'stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2/config.json: 32 layers, hidden 1280, intermediate 5120',
};
export const OPENCLIP_H: TextEncoderArch = {
  name: 'OpenCLIP ViT-H/14 text', layers: 23, width: 1024, ff: 4096, gated: false, inner: 1024, tokens: 77, vocab: 49408,
  source: 'stabilityai/stable-diffusion-2-1 text_encoder/config.json: 23 layers (the penultimate of ViT-H/14\'s 24), hidden 1024, intermediate 4096',
};
export const T5_XXL: TextEncoderArch = {
  name: 'T5-XXL encoder', layers: 24, width: 4096, ff: 10240, gated: true, inner: 4096, tokens: 512, vocab: 32128,
  source: 'google/t5-v1_1-xxl config: 24 layers, d_model 4096, d_ff 10240 gated-gelu, 64 heads x 64; FLUX.1 max_sequence_length 512',
};

/** Text encoders of each base model (model cards). */
export const TEXT_ENCODERS: Record<string, readonly TextEncoderArch[]> = {
  sd15: [CLIP_L],
  'sd2.1': [OPENCLIP_H],
  sdxl: [CLIP_L, OPENCLIP_BIGG],
  flux: [CLIP_L, T5_XXL],
};

/** Kernels of one encoder over `prompts` prompts (batched). */
export function textEncoderLayers(a: TextEncoderArch, prompts: number, dtype: Dtype = 'fp16'): PartLayer[] {
  const e = dtype === 'fp32' ? 4 : E16;
  const t = a.tokens * prompts;
  const L: PartLayer[] = [{ name: `${a.name}.embed`, flops: 0, bytes: t * a.width * e * 2, params: (a.vocab + a.tokens) * a.width }];
  for (let i = 0; i < a.layers; i++) {
    const tag = `${a.name}.layer${i}`;
    L.push(eltwise(`${tag}.ln1`, t * a.width, 2, e, 2 * a.width));
    for (const p of ['q', 'k', 'v']) L.push(linear(`${tag}.${p}`, t, a.width, a.inner, e, !a.gated));
    L.push(sdpa(`${tag}.sdpa`, prompts, a.tokens, a.inner, e));
    L.push(linear(`${tag}.out`, t, a.inner, a.width, e, !a.gated));
    L.push(eltwise(`${tag}.add1`, t * a.width, 3, e));
    L.push(eltwise(`${tag}.ln2`, t * a.width, 2, e, 2 * a.width));
    L.push(linear(`${tag}.fc1`, t, a.width, a.ff, e, !a.gated));
    if (a.gated) L.push(linear(`${tag}.fc1_gate`, t, a.width, a.ff, e, false));
    L.push(eltwise(`${tag}.act`, t * a.ff, a.gated ? 3 : 2, e));
    L.push(linear(`${tag}.fc2`, t, a.ff, a.width, e, !a.gated));
    L.push(eltwise(`${tag}.add2`, t * a.width, 3, e));
  }
  L.push(eltwise(`${a.name}.final_ln`, t * a.width, 2, e, 2 * a.width));
  return L;
}

// --- pricing ----------------------------------------------------------------------------------------

/** Seconds of a part's kernels on a cost model: each a roofline op, or the whole as one op if a profile fits `kind`. */
export function partSeconds(cost: CostModel, kind: 'vae' | 'text_encoder', layers: readonly PartLayer[], dtype: Dtype = 'fp16'): number {
  if (layers.length === 0) return 0;
  if (cost.source(kind).startsWith('fitted')) {
    let f = 0;
    let b = 0;
    for (const l of layers) {
      f += l.flops;
      b += l.bytes;
    }
    return cost.opSeconds(networkOp(kind, f, b, dtype));
  }
  let s = 0;
  for (const l of layers) s += cost.opSeconds(networkOp(kind, l.flops, l.bytes, dtype));
  return s;
}

/** VAE decode of `batch` images of `pixels` pixels each (only the latent's area matters). */
export function vaeDecodeSeconds(cost: CostModel, pixels: number, batch = 1, arch: VaeDecoderArch = SD_VAE, dtype: Dtype = 'fp16'): number {
  if (batch <= 0) return 0;
  return partSeconds(cost, 'vae', vaeDecoderLayers(pixels / (arch.scale * arch.scale), 1, batch, arch, dtype), dtype);
}

/** Every encoder of a model over `prompts` prompts (CFG's negative prompt counts as one). */
export function textEncodeSeconds(cost: CostModel, encoders: readonly TextEncoderArch[], prompts: number): number {
  if (prompts <= 0) return 0;
  let s = 0;
  for (const a of encoders) s += partSeconds(cost, 'text_encoder', textEncoderLayers(a, prompts));
  return s;
}

// --- UNet skip connections (ControlNet residuals) ---------------------------------------------------

/**
 * Elements of the residuals a ControlNet adds to a UNet per image (one CFG branch): one per
 * down-block output kept for a skip (conv_in, each resnet, each downsample) plus the mid block,
 * for diffusers' UNet2DConditionModel/ControlNetModel with `blockOut` channels and `layersPerBlock`
 * resnets per down block (SDXL: [320, 640, 1280], 2; SD1.5: [320, 640, 1280, 1280], 2).
 */
export function controlnetResidualElements(latentH: number, latentW: number, blockOut: readonly number[], layersPerBlock = 2): number {
  let px = latentH * latentW;
  let n = blockOut[0]! * px; // conv_in
  blockOut.forEach((c, i) => {
    n += layersPerBlock * c * px;
    if (i < blockOut.length - 1) {
      px /= 4;
      n += c * px; // downsample output
    }
  });
  return n + blockOut[blockOut.length - 1]! * px; // mid block
}

/** Sum of a field over layers. */
export function sumLayers(layers: readonly PartLayer[], f: 'flops' | 'bytes' | 'params'): number {
  let s = 0;
  for (const l of layers) s += l[f];
  return s;
}
