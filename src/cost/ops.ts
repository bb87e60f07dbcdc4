/**
 * Ops a cost model prices, described by their work: FLOPs and bytes of memory traffic. Shape
 * helpers turn layer shapes into that work; the formulas are the standard counts (2 FLOPs per
 * multiply-add; weights + activations read once, outputs written once).
 */
import type { Dtype } from '../hardware/types.js';

export type OpKind =
  | 'gemm'
  | 'gemv'
  | 'expert_ffn'
  | 'attention'
  | 'masked_block'
  | 'lora_merge'
  | 'unet_step'
  | 'controlnet_step'
  | 'vae'
  | 'text_encoder'
  | 'elementwise';

export interface Op {
  kind: OpKind;
  flops: number;
  bytes: number;
  dtype: Dtype;
}

export function bytesPerElement(dtype: Dtype): number {
  switch (dtype) {
    case 'fp32':
      return 4;
    case 'fp16':
    case 'bf16':
      return 2;
    case 'int8':
      return 1;
    case 'int4':
      return 0.5;
    case 'int2':
      return 0.25;
  }
}

/** C[m,n] = A[m,k] B[k,n]. Activations are fp16 even when weights are quantised. */
export function gemmOp(m: number, n: number, k: number, dtype: Dtype = 'fp16'): Op {
  const w = bytesPerElement(dtype);
  const act = dtype === 'fp32' ? 4 : 2;
  return { kind: m === 1 ? 'gemv' : 'gemm', flops: 2 * m * n * k, bytes: k * n * w + (m * k + m * n) * act, dtype };
}

/**
 * SwiGLU expert FFN on `tokens` tokens: gate and up projections (hidden -> ffn), SiLU, elementwise
 * product, down projection (ffn -> hidden). Weight bytes dominate at decode batch sizes.
 */
export function expertFfnOp(tokens: number, hidden: number, ffn: number, dtype: Dtype = 'fp16'): Op {
  const w = bytesPerElement(dtype);
  const flops = 2 * tokens * hidden * ffn * 3 + 4 * tokens * ffn;
  const bytes = 3 * hidden * ffn * w + tokens * (2 * hidden + 3 * ffn) * 2;
  return { kind: 'expert_ffn', flops, bytes, dtype };
}

/** Scaled dot-product attention of q query tokens over kv keys per sequence. */
export function attentionOp(batch: number, heads: number, q: number, kv: number, headDim: number, dtype: Dtype = 'fp16'): Op {
  const e = bytesPerElement(dtype);
  const flops = 4 * batch * heads * q * kv * headDim;
  const bytes = batch * heads * (2 * q + 2 * kv) * headDim * e;
  return { kind: 'attention', flops, bytes, dtype };
}

/** In-place LoRA merge W[rows, cols] += alpha * B[rows, r] A[r, cols]: read and write W once. */
export function loraMergeOp(rows: number, cols: number, rank: number, dtype: Dtype = 'fp16'): Op {
  const e = bytesPerElement(dtype);
  return { kind: 'lora_merge', flops: 2 * rows * cols * rank + rows * cols, bytes: (2 * rows * cols + rank * (rows + cols)) * e, dtype };
}

/** A whole-network op given its FLOPs and bytes directly (UNet step, VAE decode, text encoder). */
export function networkOp(kind: OpKind, flops: number, bytes: number, dtype: Dtype = 'fp16'): Op {
  return { kind, flops, bytes, dtype };
}

/** Scale an op's work by a factor (e.g. a batch of identical ops priced as one). */
export function scaleOp(op: Op, factor: number): Op {
  return { ...op, flops: op.flops * factor, bytes: op.bytes * factor };
}
