/**
 * Calibration profiles: what the validator measured on a device and the cost fits derived from it.
 * A scenario names a profile file; its fitted op costs and link figures then replace the presets.
 * The schema is the contract between validate/ (writer) and cost/ (reader).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';

export const opFitSchema = z.discriminatedUnion('model', [
  z.object({
    /** seconds = overhead_s + max(flops / flops_per_s, bytes / bytes_per_s) */
    model: z.literal('roofline'),
    flops_per_s: z.number().positive(),
    bytes_per_s: z.number().positive(),
    overhead_s: z.number().nonnegative(),
    r2: z.number().optional(),
    holdout_error: z.number().optional(),
  }),
  z.object({
    /** seconds interpolated linearly in `x` (flops or bytes) between measured points; extrapolated from the last two. */
    model: z.literal('piecewise'),
    x: z.enum(['flops', 'bytes']),
    points: z.array(z.tuple([z.number().nonnegative(), z.number().nonnegative()])).min(2),
    r2: z.number().optional(),
    holdout_error: z.number().optional(),
  }),
]);
export type OpFit = z.infer<typeof opFitSchema>;

export const linkFitSchema = z.object({
  bandwidth: z.number().positive(),
  latency_s: z.number().nonnegative(),
  r2: z.number().optional(),
  holdout_error: z.number().optional(),
});
export type LinkFit = z.infer<typeof linkFitSchema>;

export const sampleSchema = z.object({
  op: z.string(),
  shape: z.record(z.string(), z.union([z.number(), z.string()])),
  flops: z.number().nonnegative(),
  bytes: z.number().nonnegative(),
  seconds: z.array(z.number().nonnegative()),
  median_s: z.number().nonnegative(),
});

export const profileSchema = z.object({
  servesim_profile: z.literal(1),
  created: z.string(),
  adapter: z.object({
    vendor: z.string(),
    architecture: z.string(),
    device: z.string(),
    description: z.string(),
  }),
  features: z.array(z.string()),
  timing: z.enum(['timestamp-query', 'wall-clock']),
  samples: z.array(sampleSchema),
  ops: z.record(z.string(), opFitSchema),
  links: z.record(z.string(), linkFitSchema),
  /** 0 = copy and compute serialise on this device, 1 = they overlap fully. */
  overlap: z.number().min(0).max(1),
});
export type Profile = z.infer<typeof profileSchema>;

/** Parse and validate a profile; errors name the file and the field path. */
export function parseProfile(text: string, file = 'profile'): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, { file });
  }
  const r = profileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(issue.message, { file, field: issue.path.join('.') || '(root)' });
  }
  return r.data;
}

export function loadProfile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read profile (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  return parseProfile(text, path);
}
