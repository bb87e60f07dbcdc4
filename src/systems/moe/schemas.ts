/**
 * The moe system's parts of a scenario: model, workload and policy. Every field has a default from
 * the source papers and model cards (docs/sources.md) or is marked an estimate; all objects are strict so a typo is an
 * error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { routingShape } from '../../workloads/moe/generator.js';
import { MOE_MODEL_NAMES } from './presets.js';
import { QUANT_NAMES, quantSchemeSchema } from './quant.js';
import { dequantSchema } from './dequant.js';
import { PREFETCH_POLICIES } from './policies/prefetch/index.js';
import { EVICTION_POLICIES } from './policies/eviction/index.js';
import { MISS_POLICIES } from './policies/miss/index.js';

const keys = <T extends Record<string, unknown>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];
const dtype = z.enum(['fp32', 'fp16', 'bf16', 'int8', 'int4', 'int2']);

export const moeModelSchema = z
  .object({
    /** Model preset (`servesim presets`); the fields below override it, e.g. for a scaled-down model. */
    preset: z.enum(MOE_MODEL_NAMES).default('mixtral-8x7b-fp16'),
    layers: z.number().int().positive().optional(),
    /** Dense decoder layers ahead of the MoE layers (attention + dense MLP, GPU-resident, nothing routed). */
    dense_layers: z.number().int().nonnegative().optional(),
    /** Intermediate size of a dense layer's SwiGLU MLP. */
    dense_ffn: z.number().int().positive().optional(),
    experts: z.number().int().positive().optional(),
    top_k: z.number().int().positive().optional(),
    hidden: z.number().int().positive().optional(),
    ffn: z.number().int().positive().optional(),
    /** Bytes of one routed expert, MB (1e6 B). */
    expert_mb: z.number().positive().optional(),
    expert_dtype: dtype.optional(),
    /** Expert quantisation: a named scheme or {bits, group, scale_bits, zero_bits, meta_group}; sets expert bytes and dtype from 3 x hidden x ffn weights. */
    expert_quant: z.union([z.enum(QUANT_NAMES), quantSchemeSchema]).optional(),
    /** Attention + router parameters per MoE layer. */
    attn_params: z.number().nonnegative().optional(),
    /** Precision the attention projections' weights are read at (default fp16), e.g. int4 for HQQ 4-bit attention. */
    attn_dtype: dtype.optional(),
    /**
     * Per-forward dequantisation traffic of group-quantised weights (src/systems/moe/dequant.ts:
     * HQQ rebuilds its 8-bit scales/zeros in fp16 on every call): `{ group, quantised }`, priced at
     * the GPU's memory bandwidth each time a routed expert runs / each layer's attention runs.
     */
    expert_dequant: dequantSchema.optional(),
    attn_dequant: dequantSchema.optional(),
    /** Non-routed weights resident on the GPU, GiB. */
    resident_gib: z.number().nonnegative().optional(),
    // Measured-cost overrides (like t2i's unet_step_ms), for calibrating to the stack a user runs;
    // each replaces the cost model's price for that op. See docs/moe.md "Calibrating to a stack".
    /** Attention + router + shared experts of one layer in a decode step, ms (any batch). */
    layer_ms: z.number().nonnegative().optional(),
    /** One routed expert on the GPU over one token, ms ... */
    expert_ms: z.number().nonnegative().optional(),
    /** ... plus this per extra token routed to it in the step (default 0). */
    expert_token_ms: z.number().nonnegative().optional(),
    /** LM head (and dense layers) once per decode step, ms. */
    head_ms: z.number().nonnegative().optional(),
    /** Per-stack framework overhead on the GPU stream: per layer per step (kernel launches, Python, hooks), ms. */
    layer_overhead_ms: z.number().nonnegative().optional(),
    /** ... and once per step (sampling, detokenising, host sync), ms. */
    step_overhead_ms: z.number().nonnegative().optional(),
    /** ... and per routed-expert forward (the host ops of one expert's call: its linears, indexing, weighting), ms. */
    expert_overhead_ms: z.number().nonnegative().optional(),
    /**
     * How those host times meet the GPU work (src/systems/moe/host.ts): `serial` adds them to each
     * job; `overlapped` - the host issues a job's kernels while the GPU runs them and waits only at
     * the job's end (a stack that syncs per layer and per expert) - takes the longer of the two.
     */
    host_overlap: z.enum(['serial', 'overlapped']).default('serial'),
    /**
     * Multiplies every host term above (layer, expert and step overhead): how much slower (> 1) or
     * faster this host runs the same ops than the host they were counted or measured for. The one
     * number a different machine changes; what `servesim fit` calibrates per machine.
     */
    host_time_scale: z.number().positive().default(1),
    /** Tokens of KV cache reserved per concurrent sequence. Default 4096 (a modelling choice). */
    max_context: z.number().int().positive().default(4096),
    /** GPU memory held back for the CUDA context, activations and allocator slack, GiB. Estimate. */
    reserve_gib: z.number().nonnegative().default(1),
  })
  .strict();
export type MoeModelConfig = z.output<typeof moeModelSchema>;

/** Generator parameters inside a scenario: the model fixes layers/experts/top_k unless given. */
const { prompt_tokens: _prompt, ...routingFields } = routingShape;
export const moeWorkloadGeneratorSchema = z
  .object({
    layers: z.number().int().positive().optional(),
    experts: z.number().int().positive().optional(),
    top_k: z.number().int().positive().optional(),
    ...routingFields,
  })
  .strict();

export const moeWorkloadSchema = z
  .object({
    /** A routing trace CSV (traces/moe.schema.md), relative to the scenario file. */
    trace: z.string().optional(),
    /** Or a synthetic trace (defaults: Mixtral routing statistics, docs/sources.md). */
    generator: moeWorkloadGeneratorSchema.optional(),
    /** Prompt length: KV context before the first decode token, and the token count of a prefill step. Estimate. */
    prompt_tokens: z.number().int().positive().default(512),
    /** Stop after this many decode tokens of the trace (all if absent). */
    max_tokens: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.trace !== undefined && w.generator !== undefined) ctx.addIssue({ code: 'custom', path: ['trace'], message: 'give either trace or generator, not both' });
  });
export type MoeWorkloadConfig = z.output<typeof moeWorkloadSchema>;

export const moePolicySchema = z
  .object({
    /** Prefetcher: none | previous-token | popularity | predicted | oracle (bound). */
    prefetch: z.enum(keys(PREFETCH_POLICIES)).default('none'),
    /** Layers ahead the prefetcher loads (1 = next layer). */
    prefetch_depth: z.number().int().min(1).default(1),
    /** For `predicted`: the trace's predicted column, a synthetic predictor, or the column when present. */
    predictor: z.enum(['auto', 'trace', 'synthetic']).default('auto'),
    /** Accuracy of the synthetic next-layer predictor. Estimate (gate-prediction papers report ~0.8-0.9). */
    predictor_accuracy: z.number().min(0).max(1).default(0.85),
    /** Eviction: lru | lfu | pinned (popularity-pinned) | belady (fewest misses, demand fetch) | random (seeded). */
    cache: z.enum(keys(EVICTION_POLICIES)).default('lru'),
    /** A cache per layer (capacity split evenly) or one shared by all layers. */
    cache_scope: z.enum(['per-layer', 'shared']).default('per-layer'),
    /** Cache capacity in experts (all layers together); default: all GPU memory left after resident weights. */
    cache_experts: z.number().int().positive().optional(),
    /** Or capacity in GiB. */
    cache_gib: z.number().positive().optional(),
    /** For `pinned`: fraction of each cache kept for the most used experts so far. */
    pin_fraction: z.number().min(0).max(1).default(0.5),
    /** On a miss: fetch | drop | cpu | buddy | lowbit. */
    miss: z.enum(keys(MISS_POLICIES)).default('fetch'),
    /** Fallbacks apply only to experts whose (normalised) gate weight is at most this; heavier ones are fetched. */
    gate_max_weight: z.number().gt(0).max(1).default(1),
    /** Fallbacks apply only when a token misses at most this many experts; else fetch. Default: no limit. */
    gate_max_missing: z.number().int().positive().optional(),
    /** Fallbacks wait for an expert whose prefetch is in flight only if it lands within this many ms; else it is a miss. */
    wait_ms: z.number().nonnegative().default(0),
    /** For `cpu`: always compute a miss on the CPU, or only when that beats fetching it (Fiddler's rule). */
    cpu_when: z.enum(['always', 'faster']).default('faster'),
    /** For `buddy`: output-similarity JSON (E x E or L x E x E, higher = more similar). */
    buddy_matrix: z.string().optional(),
    /**
     * For `buddy`: a profiling trace to count co-activations in before the run - a routing CSV
     * (relative to the scenario), or `{ tokens, seed_offset }`: the scenario's generator run for
     * that many tokens with seed + seed_offset (a separate sample of the same workload).
     */
    buddy_profile: z
      .union([
        z.string(),
        z
          .object({
            tokens: z.number().int().positive(),
            /** Added to the run's seed, so the profile is not the replayed trace. */
            seed_offset: z.number().int().min(1).default(1_000_003),
          })
          .strict(),
      ])
      .optional(),
    /** For `buddy`: learn co-activations from the replayed trace itself as it runs (in-sample; BuddyMoE profiles offline). */
    buddy_online: z.boolean().default(false),
    /**
     * For `buddy`: BuddyMoE's token-entropy gate - substitute only for tokens whose routing entropy
     * (Shannon entropy of the normalised top-k gate weights over ln k, 0..1) is at least this; a
     * confident token (low entropy) is fetched. Default 0: no gate.
     */
    buddy_min_entropy: z.number().min(0).max(1).default(0),
    /** For `buddy`: consider only this many most similar experts per expert. */
    buddy_candidates: z.number().int().positive().default(3),
    /** For `lowbit`: bits per weight of the low-precision copy fetched on a miss. */
    lowbit_bits: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(8)]).default(2),
    /** For `lfu`: count decode routings only, or also each prefill's tokens per expert. */
    lfu_counts: z.enum(['decode', 'all']).default('decode'),
    /**
     * Copy engine: `fair` - the demand and prefetch streams each move one expert at a time and share
     * PCIe max-min fairly; `fifo` - one transfer at a time in issue order, as a DMA engine serves
     * its queue.
     */
    copy_engine: z.enum(['fair', 'fifo']).default('fair'),
    /** With copy_engine fifo: a demand fetch goes ahead of queued (not in-flight) prefetches. */
    demand_first: z.boolean().default(false),
    /** Copies on their own stream (overlap compute), on the compute stream (serialised with it), or demand fetches there and prefetches on their own (src/systems/moe/copy-stream.ts). */
    copy_stream: z.enum(['copy', 'compute', 'demand-compute']).default('copy'),
    /**
     * On eviction, copy the evicted expert back to the host: no (overwrite), before the load, alongside
     * it (the other PCIe direction at once), or in-order: behind the load on the same stream, the
     * expert usable after both (mixtral-offloading's ExpertCache._swap; src/systems/moe/swap.ts).
     */
    swap: z.enum(['none', 'before', 'alongside', 'in-order']).default('none'),
    /** Concurrent requests decoded together (experts per layer = union over the batch). */
    batch_size: z.number().int().positive().default(1),
    /** Tokens of trace the simulator reads ahead: Belady's and the oracle's view of the future. */
    lookahead_tokens: z.number().int().min(2).default(1024),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.miss === 'buddy' && p.buddy_matrix === undefined && p.buddy_profile === undefined && !p.buddy_online) {
      ctx.addIssue({ code: 'custom', path: ['miss'], message: 'miss: buddy needs a buddy table: buddy_profile (a profiling trace), buddy_matrix, or buddy_online: true (learnt in-sample from the replayed trace)' });
    }
    if (p.buddy_online && (p.buddy_matrix !== undefined || p.buddy_profile !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['buddy_online'], message: 'buddy_online learns its own table; drop buddy_matrix/buddy_profile or buddy_online' });
    }
    if (p.cache_experts !== undefined && p.cache_gib !== undefined) ctx.addIssue({ code: 'custom', path: ['cache_gib'], message: 'give cache_experts or cache_gib, not both' });
  });
export type MoePolicyConfig = z.output<typeof moePolicySchema>;
