/**
 * The common part of a scenario (see docs/cli.md "Scenario format"). The system-specific parts
 * (`model`, `workload`, each `policies[i].policy`) are validated afterwards by the chosen system's
 * own zod schemas; here they are only required to be objects.
 */
import { z } from 'zod';
import { hardwareSchema } from '../systems/hardware.js';

/** A numeric range in a sweep: `{from, to, step}` or `{from, to, count, scale}`. */
export const rangeSchema = z.union([
  z
    .object({
      from: z.number(),
      to: z.number(),
      /** Increment; its sign must lead from `from` to `to`. */
      step: z.number().refine((v) => v !== 0, 'step must not be 0'),
    })
    .strict(),
  z
    .object({
      from: z.number(),
      to: z.number(),
      /** Number of values including both ends. @minimum 1 */
      count: z.number().int().min(1).max(10_000),
      /** log: geometric spacing (from and to must be > 0). __Default value:__ linear */
      scale: z.enum(['linear', 'log']).default('linear'),
    })
    .strict(),
]);
export type SweepRange = z.infer<typeof rangeSchema>;

/** A sweep entry: an explicit list of values, or a range. */
export const sweepValuesSchema = z.union([z.array(z.unknown()).min(1, 'a sweep list needs at least one value'), rangeSchema]);

const objectOrEmpty = z.record(z.string(), z.unknown());

export const reportConfigSchema = z
  .object({
    /** Metric paths shown in the summary and plotted against the sweep (default: headline metrics). */
    metrics: z.array(z.string().min(1)).min(1).optional(),
    /** Metric paths where smaller is better / larger is better (overrides the naming rules). */
    lower_is_better: z.array(z.string().min(1)).default([]),
    higher_is_better: z.array(z.string().min(1)).default([]),
    /** Gantt window: which sweep point is traced (replication 0, every policy), and how many slices. */
    gantt: z
      .union([
        z.literal(false),
        z
          .object({
            point: z.number().int().min(0).default(0),
            slices: z.number().int().min(10).max(5000).default(400),
          })
          .strict(),
      ])
      .default({ point: 0, slices: 400 }),
  })
  .strict();
export type ReportConfig = z.infer<typeof reportConfigSchema>;

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9._-]+$/, 'expected lower-case letters, digits and . _ - only').max(120),
    description: z.string().optional(),
    system: z.enum(['moe', 'edit', 't2i']),
    /** Base seed; replication r runs with seed + r, the same for every policy. __Default value:__ 1 */
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Runs per (sweep point, policy); > 1 gives means with 95% t-intervals. __Default value:__ 1 */
    replications: z.number().int().min(1).max(10_000).default(1),
    hardware: hardwareSchema.prefault({}),
    model: objectOrEmpty.default({}),
    workload: objectOrEmpty.default({}),
    policies: z
      .array(
        z
          .object({
            label: z.string().min(1).max(80),
            policy: objectOrEmpty.default({}),
          })
          .strict(),
      )
      .min(1, 'at least one policy is needed'),
    sweep: z.record(z.string(), sweepValuesSchema).default({}),
    slo: z
      .object({
        /** Latency deadline for slo_attainment, ms. */
        latency_ms: z.number().positive(),
      })
      .strict()
      .optional(),
    warmup: z
      .object({
        /** Discard the first N completed requests (edit, t2i). */
        requests: z.number().int().min(0).optional(),
        /** Discard the first N decode tokens (moe, which counts tokens, not requests). */
        tokens: z.number().int().min(0).optional(),
        seconds: z.number().min(0).optional(),
      })
      .strict()
      .default({}),
    report: reportConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    // The unit differs by system; a key in the wrong unit is refused rather than reinterpreted.
    if (s.system === 'moe' && s.warmup.requests !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['warmup', 'requests'], message: 'moe counts its warm-up in decode tokens: use warmup.tokens (warmup.requests was renamed)' });
    }
    if (s.system !== 'moe' && s.warmup.tokens !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['warmup', 'tokens'], message: `warmup.tokens is for moe; ${s.system} counts requests: use warmup.requests` });
    }
  });

export type CommonScenario = z.infer<typeof scenarioSchema>;

/** Top-level fields a sweep may not vary: they change what is being compared, not a parameter. */
export const UNSWEEPABLE = new Set(['name', 'description', 'system', 'sweep', 'replications', 'policies', 'report']);
