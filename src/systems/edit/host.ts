/**
 * Host (Python / PyTorch eager) time of a denoising step (`model.host`), priced from eager ops
 * counted in the serving stack's code at EAGER_OP_SECONDS each (src/cost/host.ts).
 *
 * A step's ops fall into three parts:
 *   - `blocks`: per block of each group, ops launched once per batch (`batch`) and ops run once
 *     per request that uses its cache this step (`request`: its cache-buffer copies);
 *   - `issue`: per step outside the blocks, issued ahead of the GPU like the blocks' ops;
 *   - `serial`: per step, with the GPU idle: host work after the step's opening sync and before its
 *     first kernel, and work after the first sync that waits for the step's GPU work.
 * With `overlap: overlapped` (the default: the stack issues kernels asynchronously between syncs)
 * a step takes serial + max(issue + blocks, GPU); with `serial`, serial + issue + blocks + GPU.
 * Off by default (`off`); `counted` (or `{}`) prices the preset's counted ops at EAGER_OP_SECONDS.
 */
import { z } from 'zod';
import { EAGER_OP_SECONDS, type HostOverlap } from '../../cost/host.js';
import type { EditModelName } from '../../workloads/edit/models.js';

/** Ops launched once per batch and once per request. */
export interface HostOps {
  batch: number;
  request: number;
}

export interface EditHostCounts {
  /** Per block of each group (keys: the preset's group names). */
  blocks: Record<string, HostOps>;
  /** Per step outside the blocks, issued ahead of the GPU. */
  issue: HostOps;
  /** Per step, serialised with the GPU. */
  serial: HostOps;
  source: string;
}

/**
 * Eager ops per step counted in FlashPS's artifact (Sylvia-16/FlashPS), for the configuration its
 * continuous-batching server runs Flux in: `use_cached_kv`, `test_varlen`, `async_copy`
 * (scheduler/server.py `_process_batch_Flux_inpaint` -> pipeline_flux_inpaint_continuous_batching.py
 * `denoising_step_op` -> diffusers/.../transformer_flux.py `compute_per_layer`). Every tensor call
 * counts as one op (views, slices, casts, `print` of shapes), as in the gpt-fast count behind
 * EAGER_OP_SECONDS. Standard diffusers modules are counted from their forward: RMSNorm 8 (to,
 * pow, mean, add, rsqrt, mul, to, mul), FeedForward 4 (linear, GELU, dropout, linear).
 *
 * Double block (FluxTransformerBlock), per batch 151:
 *   - compute_per_layer / load_cache_per_layer: two stream contexts (4), compute-event wait on the
 *     load stream, loading-event record and wait, two buffer slices, two flatten + contiguous (4),
 *     compute-event record and wait: 15;
 *   - norm1 and norm1_context (normalization.py AdaLayerNormZero, varlen path: norm, SiLU, linear,
 *     chunk, six `[indices]` gathers, 3 for x * (1 + scale) + shift): 2 x 13 = 26;
 *   - FluxAttnProcessor2_0 (attention_processor_short.py, use_cached_kv + varlen): to_q, to_k,
 *     to_v (3), four `print`s of shapes, two contiguous, two `index_copy_` of the masked tokens'
 *     K/V into the cache buffers, three views, norm_q / norm_k (reshape + RMSNorm + view: 2 x 10),
 *     add_q/k/v_proj (3) and their views (3), norm_added_q / norm_added_k (20), the packed query
 *     (slice + two index_put: 3), four reshapes, two cats + reshapes (4), flash-attn rotary
 *     (cu_seqlens slice, float x 2, apply_rotary_emb_func x 2, to x 2: 7), flash_attn_varlen_func +
 *     reshape (2), to (1), two output gathers, to_out[0], dropout, to_add_out (5): 86;
 *   - after attention, per stream: gate, residual add, norm2, (1 + scale), multiply, add shift,
 *     FeedForward (4), gate, residual add: 2 x 12 = 24.
 * Per request 4: `_copy_cache_buffers` copies the request's cached K and V (the template's tensor
 * comes from a Python list, `cached_kv[name][batch_cache_map[i]]`; a slice of the ping-pong buffer
 * and `copy_` from pinned memory: 2 each).
 * Single block (FluxSingleTransformerBlock), per batch 74: the layer loop 16 (as above, plus the
 * cat-done event waits on both streams), AdaLayerNormZeroSingle 10 (three gathers), proj_mlp and
 * GELU (2), the attention processor's single-stream path 42 (to_q/k/v 3, 4 prints, 2
 * index_copy_, 3 views, norm_q/norm_k 20, rotary 7, flash + reshape 2, to 1), cat, proj_out,
 * gate, residual (4). Per request 5: the two cache copies (4) and the loading-event record, which
 * sits inside the per-request loop for single blocks.
 *
 * Issue, per batch 100: FluxTransformer2DModel.forward outside the blocks: x_embedder, timestep
 * cast and scalings (3), time_text_embed (sinusoidal embedding ~14, two linear-SiLU-linear MLPs
 * 6, add: 21), context_embedder, ids cat, FluxPosEmbed (three axes x ~11 + cats and casts: 38),
 * varlen cos/sin repeats, slices and masked gathers (12), the masked hidden-state gather (4), the
 * packed hidden states' two index_put between the double and single blocks and the cat event (3),
 * the final gather, AdaLayerNormContinuous (10) and proj_out (12 together), and
 * denoising_step_op's cached_noise_pred zeros, flatten, index_copy_ and view (5).
 *
 * Serial, per batch 54 and per request 47. The previous step closed with torch.cuda.synchronize(),
 * so with the GPU idle: the server's mask cat + copy and `print` of the timestep tensor (a
 * device-to-host copy: 3, and per request the timestep index, slice and assignment 3);
 * denoising_step_op's three `print`s, the latents / prompt / pooled-embedding cats, the timestep
 * cast and a shape `print` (8); `_setup_caching_configuration` / `_setup_variable_length_caching` /
 * `_generate_batch_indices` rebuild the varlen layout every step: per batch 43 (mask sum, compare,
 * casts, the text mask, two new CUDA streams, repeat + cat, the seqlen and cu_seqlens tensors from
 * Python lists and their cumsums, the index cats, two `nonzero` (host syncs) + flattens, repeats
 * and the packed hidden-state buffer, three `torch.tensor` of Python index lists), per request 15
 * (`combined_mask[i].sum().item()` (sync), `nonzero` (sync), two `arange(...).cuda() + offset`, and
 * the three `[i] * repeat` loops over CUDA tensors, each an implicit `.item()`). The per-request
 * scheduler loop (29 per request: slices and unsqueezes 5, FlowMatchEulerDiscreteScheduler.step 8,
 * `torch.tensor([noise_timestep])` of a CUDA scalar (a host sync, which waits for the whole step's
 * GPU work), scale_noise 10, the mask blend 4) runs after that first sync, so it is serial too
 * (the first request's 13 ops before it could still overlap: a 0.2 ms overcount);
 * the step closes with another torch.cuda.synchronize().
 *
 * Not counted: `deepcopy(edit_config)` once per step, Python list building (about 1,000 + 2 x
 * masked tokens ints per request per step for the index tensors), asyncio's thread-pool hop, and
 * the sync latencies themselves.
 */
const FLUX_ARTIFACT: EditHostCounts = {
  blocks: { double: { batch: 151, request: 4 }, single: { batch: 74, request: 5 } },
  issue: { batch: 100, request: 0 },
  serial: { batch: 54, request: 47 },
  source:
    'FlashPS artifact (Sylvia-16/FlashPS): transformer_flux.py compute_per_layer, attention_processor_short.py FluxAttnProcessor2_0, normalization.py, pipeline_flux_inpaint_continuous_batching.py denoising_step_op, scheduler/server.py _process_batch_Flux_inpaint',
};

/**
 * The UNets' eager ops per step, counted in the same artifact for the SD2 continuous-batching path
 * (scheduler/server.py `_process_batch_SD2` -> diffusers/.../pipeline_stable_diffusion_inpaint.py
 * `denoising_step_op` -> unets/unet_2d_condition.py -> unets/unet_2d_blocks.py ->
 * transformers/transformer_2d.py -> attention.py `BasicTransformerBlock` ->
 * attention_processor_short.py `AttnProcessor2_0`), with the flags of its SD2 client's config
 * (scheduler/sd2_client_async_test_seqlen.py: `sd2_use_o_ff_768_async_varlen.yml`: `use_cached_o`,
 * `use_cached_ff`, `async_copy`, `test_varlen`) and `test_seqlen` (configs/ootd_config_cb.yml).
 * Stock diffusers modules are counted from their forward: ResnetBlock2D 13 (norm1, SiLU, conv1,
 * SiLU(temb), time_emb_proj, [:, :, None, None], add, norm2, SiLU, dropout, conv2, add, divide),
 * +2 with a conv_shortcut (contiguous, conv); Downsample2D 1 (conv); Upsample2D 2 (interpolate,
 * conv); get_timestep_embedding 15; TimestepEmbedding 3; FeedForward with GEGLU 6 (proj, chunk,
 * GELU, mul, dropout, linear).
 *
 * Transformer block (BasicTransformerBlock, async_copy path), per batch 58:
 *   - the layer loop: begin-event record, compute-stream context (2), begin-event and
 *     loading-event waits, the o and ff ping-pong buffer slices, compute-event record, load-stream
 *     context (2), begin-event wait, `load_cache`'s compute-event wait, the closing compute-event
 *     wait: 13;
 *   - `compute`: norm1, self-attention (AttnProcessor2_0, varlen masked path: flatten, the masked
 *     query gather, to_q, to_k, to_v, three views, flash_attn_varlen_func, view, to, to_out[0],
 *     dropout, rescale divide: 14), the attention output's `[batch_indices, indices] =` into the
 *     cached buffer, residual add, norm2, cross-attention (AttnProcessor2_0 without edit_config:
 *     to_q/k/v 3, three views and transposes 6, SDPA, transpose, reshape, to, to_out[0], dropout,
 *     divide: 16), residual add, norm3, the ff input gather, FeedForward 6, the ff output's
 *     `[batch_indices, indices] =`, residual add: 45.
 * Per request 5: `load_cache`'s `_copy_cache_buffers_and_record`, once per CFG pair: the o and ff
 * buffer slices and their `copy_` from pinned memory (4) and the loading-event record.
 *
 * Issue, per batch 509: UNet2DConditionModel.forward outside the blocks 27 (three shape `print`s,
 * the timesteps' repeat_interleave, get_timestep_embedding 15, to, TimestepEmbedding 3, conv_in,
 * conv_norm_out, SiLU, conv_out); SD2's ResNets, samplers and skip cats 335 (down: 2 x 13 + 1,
 * 15 + 13 + 1, 15 + 13 + 1, 2 x 13; mid 2 x 13; up: three levels of 3 x (cat + 15) + Upsample2D 2,
 * the last 3 x 16); the sixteen Transformer2DModel wrappers, 9 each (GroupNorm, permute, reshape,
 * proj_in; proj_out, reshape, permute, contiguous, residual add): 144; denoising_step_op's two
 * input cats and the noise_pred split: 3. Per request 2 (the CFG `cat([latents] * 2)` and
 * `timestep[i]`; PNDM's scale_model_input returns the sample).
 *
 * Serial, per batch 121 and per request 143. The server `print`s the timestep tensor (a
 * device-to-host copy that waits for the previous step's GPU work), so with the GPU idle: the
 * server's mask and masked-image cats + `.cuda()` (4) and that print (1), per request the timestep
 * index and slice assignment (3); denoising_step_op's prompt cat (1); `_prepare_mask_indices`
 * rebuilds the four levels' varlen layout every step: per batch 115 (test_seqlen's zeros_like,
 * cuda, flatten and reshape 4, `.cuda()` and three MaxPool2d + cuda 7, four
 * `_prepare_varlen_config` at 22 (seq_len, cu_seqlens and cu_seqlens_kv built from Python lists
 * with their cumsums, the index cat, arange + repeat_interleave, two prints), four flattens,
 * nonzero + squeeze (8) and prints (4)), per request 108 (per CFG row: test_seqlen's slice fill 2,
 * and per level `count_nonzero(...).item()` 3, Python `max` over two CUDA tensors 2 x 3, the
 * row's `nonzero` 4). The per-request scheduler loop runs after a sync too: chunk, guidance (3),
 * `timestep[chunk_id]` and PNDMScheduler.step_plms 27 (the fourth-order multistep sum 8, and
 * `_get_prev_sample`, whose `alphas_cumprod[timestep]` indexes a CPU table with a CUDA scalar): 32.
 *
 * Not counted: `deepcopy(edit_config)` and the Python lists behind the index tensors, as for Flux.
 */
const SD2_ARTIFACT: EditHostCounts = {
  blocks: {
    'attn-64': { batch: 58, request: 5 },
    'attn-32': { batch: 58, request: 5 },
    'attn-16': { batch: 58, request: 5 },
    'mid-8': { batch: 58, request: 5 },
  },
  issue: { batch: 509, request: 2 },
  serial: { batch: 121, request: 143 },
  source:
    'FlashPS artifact (Sylvia-16/FlashPS): attention.py BasicTransformerBlock, attention_processor_short.py AttnProcessor2_0, transformer_2d.py, unet_2d_blocks.py, unet_2d_condition.py, pipeline_stable_diffusion_inpaint.py denoising_step_op / _prepare_mask_indices, scheduler/server.py _process_batch_SD2; stock diffusers resnet.py, embeddings.py, scheduling_pndm.py',
};

/**
 * SDXL's UNet through the same path, with the flags the artifact runs its "SDXL" results (OOTD)
 * with (configs/ootd_config_cb.yml: `use_cached_o`, no `use_cached_ff`): a transformer block is 55
 * per batch (the layer loop without the ff slice 12; `compute` without the ff gather and scatter
 * 43) and 3 per request (the o slice, its copy, the loading-event record). Issue per batch 410:
 * outside the blocks 27 + SDXL's text_time embedding 23 (flatten, get_timestep_embedding 15,
 * reshape, concat, to, TimestepEmbedding 3, add); ResNets, samplers and cats 258 (down: 2 x 13 +
 * 1, 15 + 13 + 1, 15 + 13; mid 2 x 13; up: 3 x 16 + 2, 3 x 16 + 2, 3 x 16); eleven
 * Transformer2DModel wrappers (depth 2 at 64^2: five, depth 10 at 32^2: six) x 9 = 99; the
 * pipeline's 3. The pipeline and serial parts are the SD2 pipeline's (the artifact's SDXL and
 * OOTD step code is not counted separately): an approximation.
 */
const SDXL_ARTIFACT: EditHostCounts = {
  blocks: { 'attn-64': { batch: 55, request: 3 }, 'attn-32': { batch: 55, request: 3 } },
  issue: { batch: 410, request: 2 },
  serial: { batch: 121, request: 143 },
  source: `${SD2_ARTIFACT.source}; configs/ootd_config_cb.yml (no cached ff)`,
};

/** Every preset's counts, from the artifact's code (a test checks they name each block group). */
export const EDIT_HOST_COUNTS: Record<EditModelName, EditHostCounts> = { flux: FLUX_ARTIFACT, 'sd2.1': SD2_ARTIFACT, sdxl: SDXL_ARTIFACT };

const opsSchema = z.object({ batch: z.number().nonnegative().finite(), request: z.number().nonnegative().finite() }).strict();

export const hostSchema = z.union([
  z.literal('off'),
  // The preset's counted ops at EAGER_OP_SECONDS, overlapped (the same as `{}`).
  z.literal('counted'),
  z
    .object({
      /** Host seconds per eager op, in microseconds (default EAGER_OP_SECONDS). */
      op_us: z.number().nonnegative().finite().default(EAGER_OP_SECONDS * 1e6),
      /** `overlapped`: the step takes serial + max(issued ops, GPU); `serial`: their sum. */
      overlap: z.enum(['serial', 'overlapped']).default('overlapped'),
      /** Ops per block of each group (default: the preset's counts). */
      blocks: z.record(z.string(), opsSchema).optional(),
      issue: opsSchema.optional(),
      serial: opsSchema.optional(),
    })
    .strict(),
]);
export type EditHostConfig = z.input<typeof hostSchema>;

/** The host model of a resolved edit model. */
export interface ResolvedHost {
  opSeconds: number;
  overlap: HostOverlap;
  /** Per-step issued ops: fixed, per request, per request using its cache (the blocks' copies). */
  issueBatch: number;
  issueRequest: number;
  issueCached: number;
  serialBatch: number;
  serialRequest: number;
}

/**
 * Resolve `model.host` for a preset whose groups are `groups` with `blocks[g]` blocks each: the
 * preset's counts, with what `cfg` names in their place. Returns undefined when off.
 */
export function resolveHost(cfg: z.output<typeof hostSchema> | undefined, preset: EditModelName, groups: readonly string[], blocks: readonly number[]): ResolvedHost | undefined {
  // Off unless asked for: at EAGER_OP_SECONDS (an A100 host's figure) FlashPS's own lone Flux
  // latency at mask 0.2 (2.27 s) lies below the counted ops' host floor (2.62 s), so the published
  // measurement of the target host says its ops cost less (at most ~13 us); docs/edit.md.
  if (cfg === 'off' || cfg === undefined) return undefined;
  const counted = EDIT_HOST_COUNTS[preset];
  if (cfg === 'counted') return build(counted, EAGER_OP_SECONDS, 'overlapped', groups, blocks);
  for (const g of Object.keys(cfg.blocks ?? {})) if (!groups.includes(g)) throw new Error(`blocks.${g}: ${preset} has no block group '${g}' (groups: ${groups.join(', ')})`);
  const own = { blocks: { ...counted.blocks, ...cfg.blocks }, issue: cfg.issue ?? counted.issue, serial: cfg.serial ?? counted.serial, source: '' };
  return build(own, cfg.op_us / 1e6, cfg.overlap, groups, blocks);
}

function build(c: EditHostCounts, opSeconds: number, overlap: HostOverlap, groups: readonly string[], blocks: readonly number[]): ResolvedHost {
  let batch = c.issue.batch;
  let cached = 0;
  groups.forEach((g, i) => {
    batch += blocks[i]! * c.blocks[g]!.batch;
    cached += blocks[i]! * c.blocks[g]!.request;
  });
  return { opSeconds, overlap, issueBatch: batch, issueRequest: c.issue.request, issueCached: cached, serialBatch: c.serial.batch, serialRequest: c.serial.request };
}

/** Host seconds of one step of B requests, L of them using their cache: {serial, issue}. */
export function hostStepSeconds(h: ResolvedHost, B: number, L: number, out: { serial: number; issue: number }): { serial: number; issue: number } {
  out.serial = h.opSeconds * (h.serialBatch + h.serialRequest * B);
  out.issue = h.opSeconds * (h.issueBatch + h.issueRequest * B + h.issueCached * L);
  return out;
}
