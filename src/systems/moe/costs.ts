/**
 * Prices of the moe system's ops on the scenario's hardware, through src/cost (roofline presets or
 * a calibrated profile). Per layer and decode step: attention projections (a GEMM over the batch),
 * attention over the KV cache, the router, shared experts; per routed expert: a SwiGLU FFN over
 * the tokens routed to it. Per dense layer (ahead of the MoE ones): attention and its dense MLP.
 * Once per step: the LM head. Memoised where the hot path asks often.
 */
import { bytesPerElement, expertFfnOp, gemmOp, type Op } from '../../cost/ops.js';
import type { Dtype } from '../../hardware/types.js';
import type { ResolvedHardware } from '../hardware.js';
import type { ResolvedMoeModel } from './model.js';
import { jobSeconds, type HostOverlap } from './host.js';

/** Measured per-op times that replace the cost model's (model schema fields of the same names). */
export interface CostOverrides {
  layer_ms?: number;
  expert_ms?: number;
  expert_token_ms?: number;
  head_ms?: number;
  layer_overhead_ms?: number;
  step_overhead_ms?: number;
  expert_overhead_ms?: number;
  host_overlap?: HostOverlap;
  host_time_scale?: number;
}

/** Bits of a low-precision copy plus group-wise fp16 scales (one per 64 weights: +0.25 bit). Estimate. */
const SCALE_BITS = 0.25;

export class MoeCosts {
  private gpuExpert: number[] = [];
  private cpuExpert: number[] = [];
  private lowbitExpert: number[] = [];
  private attnFixed: number[] = [];
  private head: number[] = [];
  private denseFixed: number[] = [];
  readonly lowbitBytes: number;
  private readonly lowbitDtype: Dtype;

  private readonly o: CostOverrides;

  constructor(
    readonly model: ResolvedMoeModel,
    readonly hw: ResolvedHardware,
    lowbitBits: number,
    overrides: CostOverrides = {},
  ) {
    this.o = overrides;
    // Scaled from the stored expert, so an overridden expert size carries over.
    this.lowbitBytes = Math.round((model.expertBytes * (lowbitBits + SCALE_BITS)) / (bytesPerElement(model.expertDtype) * 8));
    this.lowbitDtype = lowbitBits <= 2 ? 'int2' : lowbitBits <= 4 ? 'int4' : 'int8';
  }

  /** Activations of n tokens crossing PCIe one way (fp16 hidden states). */
  activationBytes(n: number): number {
    return n * this.model.hidden * 2;
  }

  /** One routed expert on the GPU over n tokens. */
  expertGpu(n: number): number {
    const cached = this.gpuExpert[n];
    if (cached !== undefined) return cached;
    const o = this.o;
    const gpu =
      o.expert_ms !== undefined
        ? (o.expert_ms + (n - 1) * (o.expert_token_ms ?? 0)) / 1000
        : this.hw.gpuCost.opSeconds(expertFfnOp(n, this.model.hidden, this.model.ffn, this.model.expertDtype)) + this.dequant(this.model.expertDequantBytes);
    return (this.gpuExpert[n] = this.host(gpu, o.expert_overhead_ms));
  }

  /** A GPU job with `ms` of host time to issue it (host.ts); no host time: the GPU time. */
  private host(gpu: number, ms: number | undefined): number {
    return ms === undefined ? gpu : jobSeconds(gpu, (ms * (this.o.host_time_scale ?? 1)) / 1000, this.o.host_overlap ?? 'serial');
  }

  /** A memory-bound pass of `bytes` on the GPU (per-forward dequantisation, dequant.ts); 0 bytes: free. */
  private dequant(bytes: number): number {
    return bytes > 0 ? this.hw.gpuCost.opSeconds({ kind: 'elementwise', flops: 0, bytes, dtype: 'fp16' }) : 0;
  }

  /** The same expert computed on the host CPU from its host copy. */
  expertCpu(n: number): number {
    return (this.cpuExpert[n] ??= this.hw.cpuCost.opSeconds(expertFfnOp(n, this.model.hidden, this.model.ffn, this.model.expertDtype)));
  }

  /** A low-precision copy of the expert on the GPU. */
  expertLowbit(n: number): number {
    return (this.lowbitExpert[n] ??= this.hw.gpuCost.opSeconds(expertFfnOp(n, this.model.hidden, this.model.ffn, this.lowbitDtype)));
  }

  /** Attention + router + shared experts of one layer: `batch` decode tokens with `ctx` KV tokens in total. */
  decodeLayer(batch: number, ctx: number): number {
    const o = this.o;
    return this.host(o.layer_ms !== undefined ? o.layer_ms / 1000 : this.rooflineDecodeLayer(batch, ctx), o.layer_overhead_ms);
  }

  private rooflineDecodeLayer(batch: number, ctx: number): number {
    const fixed = (this.attnFixed[batch] ??= this.projections(batch));
    return fixed + this.hw.gpuCost.opSeconds(this.decodeAttention(batch, ctx));
  }

  /** The same for a prefill step of `prompt` tokens (causal attention over the prompt). */
  prefillLayer(prompt: number): number {
    return this.host(this.projections(prompt) + this.hw.gpuCost.opSeconds(this.prefillAttention(prompt)), this.o.layer_overhead_ms);
  }

  /**
   * All dense layers of a decode step: per layer, attention (projections without the router, and
   * over the KV cache), the dense SwiGLU MLP and the per-layer framework overhead; 0 if none. Under
   * `layer_ms` the measured layer time stands for the attention part and the MLP keeps its roofline.
   */
  denseDecode(batch: number, ctx: number): number {
    const m = this.model;
    if (m.denseLayers === 0) return 0;
    const o = this.o;
    const attention = o.layer_ms !== undefined ? o.layer_ms / 1000 : (this.denseFixed[batch] ??= this.denseProjections(batch)) + this.hw.gpuCost.opSeconds(this.decodeAttention(batch, ctx));
    const mlp = this.hw.gpuCost.opSeconds(expertFfnOp(batch, m.hidden, m.denseFfn, 'fp16'));
    return m.denseLayers * this.host(attention + mlp, o.layer_overhead_ms);
  }

  /** The same for a prefill step of `prompt` tokens. */
  densePrefill(prompt: number): number {
    const m = this.model;
    if (m.denseLayers === 0) return 0;
    const attention = this.denseProjections(prompt) + this.hw.gpuCost.opSeconds(this.prefillAttention(prompt));
    const mlp = this.hw.gpuCost.opSeconds(expertFfnOp(prompt, m.hidden, m.denseFfn, 'fp16'));
    return m.denseLayers * this.host(attention + mlp, this.o.layer_overhead_ms);
  }

  private decodeAttention(batch: number, ctx: number): Op {
    const m = this.model;
    return { kind: 'attention', flops: 4 * m.heads * m.headDim * ctx, bytes: m.kvBytesPerLayer * ctx + batch * m.heads * m.headDim * 2 * 2, dtype: 'fp16' };
  }

  private prefillAttention(prompt: number): Op {
    const m = this.model;
    return {
      kind: 'attention',
      flops: 4 * m.heads * m.headDim * ((prompt * (prompt + 1)) / 2),
      bytes: m.kvBytesPerLayer * prompt * 2 + prompt * m.heads * m.headDim * 2 * 2,
      dtype: 'fp16',
    };
  }

  /** A dense layer's attention projections: attn_params counts the router (presets.ts), which a dense layer lacks. */
  private denseProjections(tokens: number): number {
    const m = this.model;
    const params = Math.max(0, m.attnParams - m.hidden * m.experts);
    // Same precision and per-forward dequantisation as a MoE layer's attention (the router's
    // share of attn_dequant, hidden x experts weights, is under 0.1% and left in).
    return this.hw.gpuCost.opSeconds(gemmOp(tokens, Math.round(params / m.hidden), m.hidden, m.attnDtype)) + this.dequant(m.attnDequantBytes);
  }

  /** LM head (and the per-step overhead) once per step for `batch` sequences. */
  lmHead(batch: number): number {
    const m = this.model;
    const o = this.o;
    // The step's host work stays in series under either host_overlap: generate() ends every step
    // with a host sync (`unfinished_sequences.max() == 0`), so the next step's inputs are prepared
    // with the GPU idle.
    const gpu = o.head_ms !== undefined ? o.head_ms / 1000 : this.hw.gpuCost.opSeconds(gemmOp(batch, Math.round(m.perTokenParams / m.hidden), m.hidden, 'fp16'));
    return (this.head[batch] ??= gpu + ((o.step_overhead_ms ?? 0) * (o.host_time_scale ?? 1)) / 1000);
  }

  private projections(tokens: number): number {
    const m = this.model;
    const cost = this.hw.gpuCost;
    let t = cost.opSeconds(gemmOp(tokens, Math.round(m.attnParams / m.hidden), m.hidden, m.attnDtype)) + this.dequant(m.attnDequantBytes);
    if (m.sharedFfn > 0) t += cost.opSeconds(expertFfnOp(tokens, m.hidden, m.sharedFfn, 'fp16'));
    return t;
  }

  /** Precision of the model's experts in bits, for checking a low-bit copy is smaller. */
  expertBits(): number {
    return bytesPerElement(this.model.expertDtype) * 8;
  }
}
