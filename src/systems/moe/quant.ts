/**
 * Bytes of a group-quantised expert, from the quantisation parameters rather than a typed-in size:
 *
 *   weights  params x bits / 8
 *   groups   ceil(params / group) x (scale_bits + zero_bits) / 8
 *   meta     when scales/zeros are themselves quantised (HQQ's quant_scale / quant_zero), each of
 *            those tensors carries an fp16 scale and zero per `meta_group` entries.
 *
 * Presets name the schemes real offloading stacks ship; each gives its source. Packing padding
 * (e.g. HQQ's 3-bit packs ten values per 32-bit word) is ignored: under 1% of the bytes.
 */
import { z } from 'zod';
import type { Dtype } from '../../hardware/types.js';

export interface QuantScheme {
  /** Bits per weight. */
  bits: number;
  /** Weights sharing one scale (and zero); 0 = one per output channel; Infinity = one per tensor. */
  group: number;
  /** Bits of each group's scale and zero point (0: no zero point, symmetric). */
  scale_bits: number;
  zero_bits: number;
  /** Quantised scales/zeros: entries per fp16 (scale, zero) pair of their own; 0 = stored as is. */
  meta_group: number;
  source: string;
}

export const quantSchemeSchema = z
  .object({
    bits: z.number().int().min(1).max(16),
    /** 0 = one scale per output channel. */
    group: z.number().int().min(0),
    scale_bits: z.number().int().min(0).max(32).default(16),
    zero_bits: z.number().int().min(0).max(32).default(0),
    meta_group: z.number().int().min(0).default(0),
  })
  .strict();

const HQQ = 'HQQ (mobiusml/hqq) BaseQuantizeConfig: quant_scale/quant_zero quantise scales and zeros to 8 bits in groups of 128 with fp16 meta';

export const QUANT_SCHEMES = {
  // mixtral-offloading (dvmazur/mixtral-offloading, notebooks/demo.ipynb): ffn_config =
  // BaseQuantizeConfig(nbits=2, group_size=16, quant_zero=True, quant_scale=True).
  'hqq-2bit-g16': { bits: 2, group: 16, scale_bits: 8, zero_bits: 8, meta_group: 128, source: `mixtral-offloading demo ffn_config (2-bit, group 16); ${HQQ}` },
  // HQQ's default group size is 64 (BaseQuantizeConfig group_size=64).
  'hqq-3bit-g64': { bits: 3, group: 64, scale_bits: 8, zero_bits: 8, meta_group: 128, source: `HQQ 3-bit at its default group 64; ${HQQ}` },
  'hqq-4bit-g64': { bits: 4, group: 64, scale_bits: 8, zero_bits: 8, meta_group: 128, source: `HQQ 4-bit at its default group 64 (mixtral-offloading's attn_config); ${HQQ}` },
  // AutoGPTQ / AutoAWQ checkpoints: qweight int32-packed 4-bit, scales fp16 per group of 128,
  // qzeros 4-bit packed per group (AutoGPTQ QuantLinear; AutoAWQ WQLinear_GEMM, q_group_size 128).
  'gptq-4bit-g128': { bits: 4, group: 128, scale_bits: 16, zero_bits: 4, meta_group: 0, source: 'AutoGPTQ QuantLinear: 4-bit qweight, fp16 scales and 4-bit packed qzeros per 128-weight group' },
  'awq-4bit-g128': { bits: 4, group: 128, scale_bits: 16, zero_bits: 4, meta_group: 0, source: 'AutoAWQ WQLinear_GEMM (w_bit 4, q_group_size 128): fp16 scales, 4-bit packed zeros per group' },
  // fp8 (e4m3) checkpoints as vLLM loads them: an fp32 scale per output channel or per tensor.
  'fp8-per-channel': { bits: 8, group: 0, scale_bits: 32, zero_bits: 0, meta_group: 0, source: 'vLLM fp8 (e4m3) weights with an fp32 scale per output channel' },
  'fp8-per-tensor': { bits: 8, group: Infinity, scale_bits: 32, zero_bits: 0, meta_group: 0, source: 'vLLM fp8 (e4m3) weights with one fp32 scale per tensor (negligible)' },
} as const satisfies Record<string, QuantScheme>;
export type QuantName = keyof typeof QUANT_SCHEMES;
export const QUANT_NAMES = Object.keys(QUANT_SCHEMES) as [QuantName, ...QuantName[]];

/**
 * Bytes of `params` weights under a scheme; `shape` says how many tensors (per-tensor scales) and
 * output channels (per-channel scales) they form.
 */
export function quantisedBytes(params: number, q: Omit<QuantScheme, 'source'>, shape: { tensors: number; channels: number } = { tensors: 1, channels: 1 }): number {
  const groups = q.group === 0 ? shape.channels : Number.isFinite(q.group) ? Math.ceil(params / q.group) : shape.tensors;
  let bits = params * q.bits + groups * (q.scale_bits + q.zero_bits);
  if (q.meta_group > 0) {
    // Each quantised scale/zero tensor has an fp16 scale and zero per meta_group entries.
    const quantised = (q.scale_bits < 16 ? 1 : 0) + (q.zero_bits > 0 && q.zero_bits < 16 ? 1 : 0);
    bits += quantised * Math.ceil(groups / q.meta_group) * 32;
  }
  return Math.ceil(bits / 8);
}

/** The dtype an expert of that many bits computes with (prices its weight traffic). */
export function quantDtype(bits: number): Dtype {
  return bits <= 2 ? 'int2' : bits <= 4 ? 'int4' : bits <= 8 ? 'int8' : 'fp16';
}
