/**
 * MoE model presets. Shapes come from each model's Hugging Face config.json (hidden_size,
 * num_hidden_layers, expert counts, intermediate sizes, attention heads, vocab); byte counts are
 * derived from them (3 matrices hidden x ffn per SwiGLU expert) and agree with the published figures
 * (Mixtral 352 MB fp16 / ~92 MB 4-bit per expert, DeepSeek-V2-Lite 17.3 MB, Qwen3-30B-A3B 9.4 MB,
 * OLMoE 12.6 MB; BuddyMoE arXiv 2511.10054, GPTQ arXiv 2210.17323).
 */
import type { Dtype } from '../../hardware/types.js';

export interface MoeModelSpec {
  name: string;
  /** MoE layers (routed experts). */
  layers: number;
  /**
   * Dense decoder layers ahead of the MoE ones (DeepSeek's `first_k_dense_replace`): attention and
   * a dense SwiGLU MLP of `denseFfn`, GPU-resident, run every token; nothing routed, nothing fetched.
   */
  denseLayers: number;
  /** Intermediate size of a dense layer's MLP (0 if none). */
  denseFfn: number;
  /** Routed experts per layer. */
  experts: number;
  topK: number;
  hidden: number;
  /** Intermediate size of one routed expert. */
  ffn: number;
  /** Bytes of one routed expert as stored in host memory and moved over PCIe. */
  expertBytes: number;
  /** Dtype the expert FFN computes with (prices its memory traffic). */
  expertDtype: Dtype;
  /** Attention (+ router) weights per MoE layer, parameters; run once per layer per step. */
  attnParams: number;
  /** Total intermediate size of always-on shared experts per layer (0 if none). */
  sharedFfn: number;
  /** Parameters run once per token outside the decoder layers: the LM head. */
  perTokenParams: number;
  /** Non-routed weights kept on the GPU (attention, embeddings, LM head, shared experts, dense layers). */
  residentBytes: number;
  heads: number;
  headDim: number;
  /** KV-cache bytes per token per layer (GQA / MLA aware). */
  kvBytesPerLayer: number;
  source: string;
}

const MB = 1e6;
const fp16 = 2;

/** Mixtral-8x7B (config.json): hidden 4096, ffn 14336, 32 layers, 8 experts top-2, 32 heads / 8 KV heads of 128, vocab 32000. */
const mixtralBase = {
  layers: 32,
  denseLayers: 0,
  denseFfn: 0,
  experts: 8,
  topK: 2,
  hidden: 4096,
  ffn: 14336,
  // q, o: 4096x4096; k, v: 4096x1024 (8 KV heads x 128); router 4096x8.
  attnParams: 4096 * (4096 + 1024 + 1024 + 4096) + 4096 * 8,
  sharedFfn: 0,
  perTokenParams: 32000 * 4096, // LM head
  // 32 x 41.98 M attention + 2 x 131 M embeddings/LM head + norms: 1.61 B params, kept fp16.
  residentBytes: (32 * (4096 * 10240 + 4096 * 8) + 2 * 32000 * 4096) * fp16,
  heads: 32,
  headDim: 128,
  kvBytesPerLayer: 2 * 8 * 128 * fp16,
};
const mixtralExpertParams = 3 * 4096 * 14336; // 176.2 M

export const MOE_MODELS = {
  'mixtral-8x7b-fp16': {
    ...mixtralBase,
    name: 'Mixtral-8x7B fp16',
    expertBytes: mixtralExpertParams * fp16, // 352.3 MB: BuddyMoE's "expert 352 MB fp16"
    expertDtype: 'fp16',
    source: 'mistralai/Mixtral-8x7B-v0.1 config.json; expert 3 x 4096 x 14336 x 2 B = 352 MB (BuddyMoE, arXiv 2511.10054)',
  },
  'mixtral-8x7b-4bit': {
    ...mixtralBase,
    name: 'Mixtral-8x7B 4-bit experts',
    expertBytes: 92 * MB, // 3 x 4096 x 14336 x 4.156 bits (GPTQ group 128: quant.ts) = 91.5 MB
    expertDtype: 'int4',
    source: 'GPTQ (Frantar et al., arXiv 2210.17323) 4-bit, AutoGPTQ layout: fp16 scales + 4-bit zeros per 128-weight group = 4.156 bits/weight -> ~92 MB per Mixtral expert; attention kept fp16',
  },
  'mixtral-8x7b-2bit': {
    ...mixtralBase,
    name: 'Mixtral-8x7B 2-bit experts',
    expertBytes: Math.round((mixtralExpertParams * 2.25) / 8), // 49.6 MB
    expertDtype: 'int2',
    source: 'estimate: 2-bit weights + group scales ~2.25 bits/weight (HQQ-style, as in Mixtral offloading setups); attention kept fp16',
  },
  'deepseek-v2-lite': {
    name: 'DeepSeek-V2-Lite fp16',
    layers: 26, // 27 layers (num_hidden_layers), first_k_dense_replace = 1: 26 MoE layers
    denseLayers: 1, // layer 0: attention + a dense MLP (modeling_deepseek.py DeepseekV2DecoderLayer)
    denseFfn: 10944, // intermediate_size of the dense MLP
    experts: 64,
    topK: 6,
    hidden: 2048,
    ffn: 1408,
    expertBytes: 3 * 2048 * 1408 * fp16, // 17.3 MB
    expertDtype: 'fp16',
    // MLA: q 2048x3072, kv_a 2048x576, kv_b 512x4096, o 2048x2048 = 13.8 M; router 2048x64.
    attnParams: 2048 * 3072 + 2048 * 576 + 512 * 4096 + 2048 * 2048 + 2048 * 64,
    sharedFfn: 2 * 1408, // 2 shared experts
    perTokenParams: 102400 * 2048, // LM head (vocab 102400); dense layer 0 is priced as a layer (denseLayers)
    // 15.7 B total - 26 x 64 x 8.65 M routed = 1.3 B resident
    residentBytes: (15.7e9 - 26 * 64 * 3 * 2048 * 1408) * fp16,
    heads: 16,
    headDim: 192,
    kvBytesPerLayer: (512 + 64) * fp16, // MLA compressed latent + rope key
    source: 'deepseek-ai/DeepSeek-V2-Lite config.json (hidden 2048, moe_intermediate 1408, 64 routed + 2 shared, top-6, 27 layers, first dense); 15.7 B params (model card)',
  },
  'qwen3-30b-a3b': {
    name: 'Qwen3-30B-A3B bf16',
    layers: 48,
    denseLayers: 0,
    denseFfn: 0,
    experts: 128,
    topK: 8,
    hidden: 2048,
    ffn: 768,
    expertBytes: 3 * 2048 * 768 * fp16, // 9.4 MB
    expertDtype: 'bf16',
    // q 2048x4096, k/v 2048x512 (4 KV heads x 128), o 4096x2048, router 2048x128.
    attnParams: 2048 * 4096 * 2 + 2048 * 512 * 2 + 2048 * 128,
    sharedFfn: 0,
    perTokenParams: 151936 * 2048,
    // 48 x 19.1 M attention + 2 x 311 M embeddings/LM head = 1.54 B
    residentBytes: (48 * (2048 * 4096 * 2 + 2048 * 512 * 2 + 2048 * 128) + 2 * 151936 * 2048) * fp16,
    heads: 32,
    headDim: 128,
    kvBytesPerLayer: 2 * 4 * 128 * fp16,
    source: 'Qwen/Qwen3-30B-A3B config.json (hidden 2048, 48 layers, 128 experts top-8, moe_intermediate 768, 32 q / 4 KV heads of 128, vocab 151936)',
  },
  olmoe: {
    name: 'OLMoE-1B-7B bf16',
    layers: 16,
    denseLayers: 0,
    denseFfn: 0,
    experts: 64,
    topK: 8,
    hidden: 2048,
    ffn: 1024,
    expertBytes: 3 * 2048 * 1024 * fp16, // 12.6 MB
    expertDtype: 'bf16',
    attnParams: 4 * 2048 * 2048 + 2048 * 64,
    sharedFfn: 0,
    perTokenParams: 50304 * 2048,
    residentBytes: (16 * (4 * 2048 * 2048 + 2048 * 64) + 2 * 50304 * 2048) * fp16,
    heads: 16,
    headDim: 128,
    kvBytesPerLayer: 2 * 16 * 128 * fp16,
    source: 'allenai/OLMoE-1B-7B-0924 config.json (hidden 2048, 16 layers, 64 experts top-8, intermediate 1024, 16 heads, vocab 50304)',
  },
} as const satisfies Record<string, MoeModelSpec>;

export type MoeModelName = keyof typeof MOE_MODELS;
export const MOE_MODEL_NAMES = Object.keys(MOE_MODELS) as [MoeModelName, ...MoeModelName[]];
