/**
 * The edit system's parts of a scenario: workload (a trace file or a generator) and policy (one
 * named choice per mechanism plus their knobs). Every field has a default; objects are strict so a
 * typo is an error. The model schema lives in model.ts.
 */
import { z } from 'zod';
import { editGenSchema } from '../../workloads/edit/generate.js';
import { BALANCE_POLICIES } from './policies/balance/index.js';
import { BATCHING_POLICIES } from './policies/batching/index.js';
import { COMPUTE_POLICIES } from './policies/compute/index.js';
import { LOADING_POLICIES } from './policies/loading/index.js';
import { PREPARE_POLICIES } from './policies/prepare/index.js';

const keysOf = <T extends object>(o: T) => Object.keys(o) as [Extract<keyof T, string>, ...Extract<keyof T, string>[]];

export const editWorkloadSchema = z
  .object({
    /** CSV trace (arrival_s,request,template,mask_ratio[,...]), relative to the scenario file. */
    trace: z.string().min(1).optional(),
    /** Synthetic workload; the default when no trace is given. */
    generator: editGenSchema.optional(),
  })
  .strict()
  .refine((w) => !(w.trace !== undefined && w.generator !== undefined), { message: 'give either trace or generator, not both', path: ['trace'] });
export type EditWorkloadConfig = z.input<typeof editWorkloadSchema>;

export const editPolicySchema = z
  .object({
    /** full: every token (baseline); masked: masked tokens against cached activations (InstGenIE). */
    compute: z.enum(keysOf(COMPUTE_POLICIES)).default('masked'),
    /** sequential: load then compute each block; overlap: copy stream ahead of compute; pipeline: overlap + per-block load-or-recompute DP. */
    loading: z.enum(keysOf(LOADING_POLICIES)).default('pipeline'),
    /** static: a batch runs to completion; continuous: join/leave after any step. */
    batching: z.enum(keysOf(BATCHING_POLICIES)).default('continuous'),
    /** round-robin | least-outstanding | cost-aware (predicted finish: backlog left + own) | assigned-work (FlashPS artifact: predicted work of the requests on the worker, count guard). */
    balance: z.enum(keysOf(BALANCE_POLICIES)).default('cost-aware'),
    /** Requests per GPU batch (also bounded by GPU memory at run time). Estimate; the paper does not fix one. */
    max_batch: z.number().int().min(1).max(256).default(8),
    /** CPU time to admit one request into a batch (inputs, mask, scheduler state), ms. Estimate for a Python serving loop. */
    join_cpu_ms: z.number().min(0).default(2),
    /** inline: each joiner's CPU preparation holds up the step boundary (FlashPS's strawman); inline-interruption: one join_cpu_ms per boundary with joiners, however many; overlap: a CPU process prepares them beside the running steps (FlashPS Sec. 4.3). */
    prepare: z.enum(keysOf(PREPARE_POLICIES)).default('inline'),
    /** Host DRAM for template caches, GiB; default 75% of the host preset's memory. */
    host_cache_gib: z.number().positive().optional(),
    /** warm: caches built by earlier runs are in host memory while they fit; cold: every first use reads disk. */
    host_cache: z.enum(['warm', 'cold']).default('warm'),
    /** Start disk-to-host fetches when a request arrives (true) or only when it starts running. */
    prefetch: z.boolean().default(true),
  })
  .strict();
export type EditPolicyConfig = z.input<typeof editPolicySchema>;
export type EditPolicy = z.output<typeof editPolicySchema>;
