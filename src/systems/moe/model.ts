/** A scenario's model section resolved to one MoeModelSpec: the preset, with any overrides applied. */
import { ConfigError } from '../../errors.js';
import { bytesPerElement } from '../../cost/ops.js';
import { MOE_MODELS, type MoeModelSpec } from './presets.js';
import type { MoeModelConfig } from './schemas.js';
import { QUANT_SCHEMES, quantDtype, quantisedBytes } from './quant.js';
import { dequantBytes } from './dequant.js';
import type { Dtype } from '../../hardware/types.js';

export interface ResolvedMoeModel extends MoeModelSpec {
  /** KV tokens reserved per concurrent sequence. */
  maxContext: number;
  /** GPU bytes held back for context, activations and slack. */
  reserveBytes: number;
  /** Precision of the attention projections' weights. */
  attnDtype: Dtype;
  /** Extra GPU memory bytes per routed-expert forward / per layer's attention forward (dequant.ts). */
  expertDequantBytes: number;
  attnDequantBytes: number;
}

/** Measured-cost fields: they price ops, they do not change the model. */
const COST_FIELDS = ['layer_ms', 'expert_ms', 'expert_token_ms', 'head_ms', 'layer_overhead_ms', 'step_overhead_ms', 'expert_overhead_ms', 'host_overlap', 'host_time_scale'];

export function resolveMoeModel(cfg: MoeModelConfig): ResolvedMoeModel {
  const base: MoeModelSpec = MOE_MODELS[cfg.preset];
  const spec: MoeModelSpec = { ...base };
  if (cfg.layers !== undefined) spec.layers = cfg.layers;
  if (cfg.dense_layers !== undefined) spec.denseLayers = cfg.dense_layers;
  if (cfg.dense_ffn !== undefined) spec.denseFfn = cfg.dense_ffn;
  if (cfg.experts !== undefined) spec.experts = cfg.experts;
  if (cfg.top_k !== undefined) spec.topK = cfg.top_k;
  if (cfg.hidden !== undefined) spec.hidden = cfg.hidden;
  if (cfg.ffn !== undefined) spec.ffn = cfg.ffn;
  if (cfg.expert_dtype !== undefined) spec.expertDtype = cfg.expert_dtype;
  if (cfg.attn_params !== undefined) spec.attnParams = cfg.attn_params;
  if (cfg.expert_quant !== undefined) {
    if (cfg.expert_mb !== undefined) throw new ConfigError('give expert_quant or expert_mb, not both', { field: 'model.expert_mb' });
    const q = typeof cfg.expert_quant === 'string' ? QUANT_SCHEMES[cfg.expert_quant] : cfg.expert_quant;
    // SwiGLU expert: w1, w3 (ffn outputs each) and w2 (hidden outputs).
    spec.expertBytes = quantisedBytes(3 * spec.hidden * spec.ffn, q, { tensors: 3, channels: 2 * spec.ffn + spec.hidden });
    spec.expertDtype = cfg.expert_dtype ?? quantDtype(q.bits);
  } else if (cfg.expert_mb !== undefined) spec.expertBytes = cfg.expert_mb * 1e6;
  else if (cfg.hidden !== undefined || cfg.ffn !== undefined || cfg.expert_dtype !== undefined) {
    spec.expertBytes = 3 * spec.hidden * spec.ffn * bytesPerElement(spec.expertDtype);
  }
  if (cfg.resident_gib !== undefined) spec.residentBytes = cfg.resident_gib * 2 ** 30;
  const custom = Object.keys(cfg).some((k) => !['preset', 'max_context', 'reserve_gib', ...COST_FIELDS].includes(k));
  if (custom) spec.name = `${base.name} (modified)`;
  if (spec.denseLayers > 0 && spec.denseFfn === 0) throw new ConfigError(`dense_layers ${spec.denseLayers} needs dense_ffn (${spec.name} has no dense MLP)`, { field: 'model.dense_ffn' });
  if (spec.topK > spec.experts) throw new ConfigError(`top_k ${spec.topK} is larger than the expert count ${spec.experts} of ${spec.name}`, { field: cfg.top_k !== undefined ? 'model.top_k' : 'model.experts' });
  // Attention weights: attn_params counts the router (presets.ts), an fp16 nn.Linear in the stacks
  // that quantise attention; its hidden x experts weights are under 0.1% and priced with the rest.
  const expertDequantBytes = cfg.expert_dequant ? dequantBytes(3 * spec.hidden * spec.ffn, cfg.expert_dequant) : 0;
  const attnDequantBytes = cfg.attn_dequant ? dequantBytes(spec.attnParams, cfg.attn_dequant) : 0;
  return { ...spec, maxContext: cfg.max_context, reserveBytes: cfg.reserve_gib * 2 ** 30, attnDtype: cfg.attn_dtype ?? 'fp16', expertDequantBytes, attnDequantBytes };
}
