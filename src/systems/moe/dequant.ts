/**
 * GPU memory traffic of dequantising group-quantised weights on every forward, beyond the packed
 * weights themselves (which the op's dtype already prices).
 *
 * HQQ with `quant_scale` / `quant_zero` (mobiusml/hqq core/quantize.py, the version
 * dvmazur/mixtral-offloading pins) stores each group's scale and zero as 8-bit values. Its Triton
 * linear (mixtral-offloading src/custom_layers.py, HQQLinearTritonSavable.forward_triton) rebuilds
 * them on every call: `Quantizer.dequantize(meta['scale_q'], meta['meta_scale'])` and the same for
 * the zeros, each `unpack(W_q).half()`, `(W_r - zero) * scale`: three elementwise kernels over one
 * entry per group - the cast reads 1 B and writes 2 B, the subtract and the multiply each read 2 B
 * and write 2 B: 11 B per entry of each quantised tensor. The matmul kernel (src/triton_kernels.py)
 * then loads the fp16 scale and zero of every group: 4 B per group, whether or not they were
 * quantised. The fp16 meta-scales (one pair per 128 or 256 entries) are left out: under 1%.
 */
import { z } from 'zod';

export const dequantSchema = z
  .object({
    /** Weights per (scale, zero) group. */
    group: z.number().int().positive(),
    /** How many of the (scale, zero) tensors are stored quantised and rebuilt each forward: 2 = quant_scale and quant_zero, 0 = both kept in fp16. */
    quantised: z.number().int().min(0).max(2).default(2),
  })
  .strict();
export type DequantConfig = z.output<typeof dequantSchema>;

/** Bytes an 8-bit entry costs to rebuild in fp16: cast (1 + 2), subtract (2 + 2), multiply (2 + 2). */
export const REBUILD_BYTES_PER_ENTRY = 11;
/** Bytes the matmul reads per group: the fp16 scale and zero. */
export const MATMUL_META_BYTES_PER_GROUP = 4;

/** Extra GPU memory bytes one forward over `params` weights moves under `d`. */
export function dequantBytes(params: number, d: DequantConfig): number {
  const groups = Math.ceil(params / d.group);
  return groups * (MATMUL_META_BYTES_PER_GROUP + d.quantised * REBUILD_BYTES_PER_ENTRY);
}
