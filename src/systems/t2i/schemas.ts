/**
 * The t2i system's parts of a scenario: model (a preset plus measured overrides), workload (a trace
 * file or a generator) and policy (flat fields, so sweeps can set any of them). Every default is
 * the Diffusers-like baseline SwiftDiffusion measures (arXiv 2407.02031), so `policy: {}` is the baseline and each remedy is
 * one field away.
 */
import { z } from 'zod';
import { t2iGenSchema } from '../../workloads/t2i/generator.js';
import { T2I_PRESETS, type T2iPresetName } from './presets.js';
import { evictionPolicies } from './policies/placement/index.js';
import { loraApplications } from './policies/application/index.js';
import { controlnetPlacements } from './policies/controlnet/index.js';
import { assignments } from './policies/assignment/index.js';

const keys = <T extends Record<string, unknown>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];
const ms = z.number().nonnegative();

export const t2iModelSchema = z
  .object({
    /** Base model preset (see `servesim presets`). */
    preset: z.enum(keys(T2I_PRESETS)).default('sdxl'),
    /** Default denoising steps (rows may override). Default: the preset's. */
    steps: z.number().int().min(1).max(1000).optional(),
    /** Default image size (rows may override). Default: the preset's. */
    width: z.number().int().min(64).max(8192).multipleOf(8).optional(),
    height: z.number().int().min(64).max(8192).multipleOf(8).optional(),
    /** LoRA rank (sets LoRA bytes, patch and unmerged costs; SDXL LoRAs ship at 8-128). Default: the preset's. */
    lora_rank: z.number().int().min(1).max(1024).optional(),
    /** LoRAs also adapt the text encoders (attention + MLP of each): more bytes and patch work. Default false. */
    lora_text_encoder: z.boolean().optional(),
    /** Largest image (pixels) a worker reserves workspace for; bigger requests are rejected. Default: 4x the default size. */
    max_pixels: z.number().int().positive().optional(),
    // Measured overrides at the default size, replacing the preset's priced costs.
    unet_step_ms: ms.optional(),
    controlnet_step_ms: ms.optional(),
    text_encoder_ms: ms.optional(),
    vae_ms: ms.optional(),
    /** In-place patch (or unpatch) of one LoRA. */
    patch_ms: ms.optional(),
    /** Extra step time per LoRA computed unmerged. */
    unmerged_step_ms: ms.optional(),
    lora_mib: z.number().positive().optional(),
    controlnet_gib: z.number().positive().optional(),
    /** Residual bytes a remote ControlNet GPU sends back per step. */
    residual_mib: z.number().nonnegative().optional(),
    /** Share of the denoiser step before the residuals are needed. */
    encoder_fraction: z.number().min(0).max(1).optional(),
    base_gib: z.number().positive().optional(),
    workspace_gib: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((m) => (m.width === undefined) === (m.height === undefined), { message: 'width and height must be given together', path: ['width'] });
export type T2iModelConfig = z.output<typeof t2iModelSchema>;

export const t2iWorkloadSchema = z
  .object({
    /** Trace CSV (relative to the scenario file). */
    trace: z.string().min(1).optional(),
    /** Synthetic trace parameters (see traces/t2i.schema.md). */
    generator: t2iGenSchema.optional(),
  })
  .strict()
  .refine((w) => !(w.trace !== undefined && w.generator !== undefined), { message: 'give either trace or generator, not both', path: ['trace'] });
export type T2iWorkloadConfig = z.output<typeof t2iWorkloadSchema>;

export const t2iPolicySchema = z
  .object({
    /** How a LoRA is applied: sync (Diffusers: load, PEFT setup, fuse) | merge (in-place W += aBA) | async (bounded) | unmerged. */
    application: z.enum(keys(loraApplications)).default('sync'),
    /** async: the LoRA must be patched in before this step (steps before it may run without it). */
    async_k: z.number().int().min(0).default(10),
    /** Unpatch after every request, or keep a LoRA patched while the next request on the worker uses it. */
    unpatch: z.enum(['always', 'keep']).default('always'),
    /** Where LoRA and ControlNet files live when not cached in host memory. */
    lora_store: z.enum(['disk', 'remote']).default('disk'),
    /** Host LoRA cache (shared by the host's GPUs), GiB of idle LoRAs kept; 0 = read every time. */
    host_cache_gib: z.number().nonnegative().default(0),
    host_eviction: z.enum(keys(evictionPolicies)).default('lru'),
    /** GPU LoRA cache per worker, GiB of idle LoRAs kept; 0 = drop after use. */
    gpu_cache_gib: z.number().nonnegative().default(0),
    gpu_eviction: z.enum(keys(evictionPolicies)).default('lru'),
    /** PEFT-style adapter setup per newly loaded LoRA (sync only). SwiftDiffusion (arXiv 2407.02031): 2-3 s. */
    peft_setup_s: z.number().nonnegative().default(2.5),
    /** PEFT setup grows with the adapters already loaded: the i-th (from 0) of a request costs peft_setup_s x (1 + growth x i). */
    peft_setup_growth: z.number().nonnegative().default(0),
    /** Patch a request's LoRAs in one pass over each weight (W += sum a B A) instead of one pass per LoRA. */
    fuse_adapters: z.boolean().default(false),
    /**
     * Latent parallelism (SwiftDiffusion): the conditional and unconditional CFG branches run on two
     * GPUs at batch 1 and exchange noise predictions over the interconnect every step; every GPU of
     * a worker (serving and ControlNet) is doubled.
     */
    cfg_parallel: z.boolean().default(false),
    /**
     * Step-time factor of compiled kernels (CUDA graphs, fused kernels, channels-last) on the
     * denoiser and ControlNet steps; 1 = eager Diffusers. See KERNEL_STEP_FACTOR in presets.ts.
     */
    step_factor: z.number().positive().max(2).default(1),
    /** Host deserialisation of adapter files. SwiftDiffusion (arXiv 2407.02031): a ~406 MiB LoRA reads in ~0.46 s (0.07 s of NVMe + parsing). */
    parse_gb_per_s: z.number().positive().default(1.1),
    /** ControlNet placement: serial on the serving GPU | parallel on dedicated GPUs | stale (one step behind). */
    controlnet: z.enum(keys(controlnetPlacements)).default('serial'),
    /** parallel/stale: dedicated ControlNet GPUs per serving worker (taken from hardware.gpus). */
    controlnet_gpus: z.number().int().min(1).max(3).default(1),
    /** ControlNet cache per GPU that runs ControlNets, GiB of idle ControlNets (default 5 SDXL ControlNets: the top 5 take 98% of uses). */
    controlnet_cache_gib: z.number().nonnegative().default(15),
    controlnet_eviction: z.enum(keys(evictionPolicies)).default('lru'),
    /** Which worker gets a request. */
    assignment: z.enum(keys(assignments)).default('round-robin'),
    /** affinity: accept a worker holding the LoRA if its queue is at most this much longer than the shortest. */
    affinity_slack: z.number().int().min(0).default(0),
  })
  .strict();
export type T2iPolicyConfig = z.output<typeof t2iPolicySchema>;

export type { T2iPresetName };
