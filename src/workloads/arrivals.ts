/**
 * Arrival processes shared by the request-level generators: Poisson (exponential gaps) or bursty
 * gamma-renewal arrivals with a given coefficient of variation, at a target rate. Arrivals must be
 * non-decreasing; readers check it.
 */
import { z } from 'zod';
import { gammaInterarrival } from '../engine/distributions.js';
import type { Rng } from '../engine/rng.js';

export const arrivalSchema = z
  .object({
    /** Mean arrival rate, requests per second. */
    rps: z.number().positive(),
    /** poisson: exponential gaps; gamma: gamma-renewal gaps with coefficient of variation `cv`. */
    process: z.enum(['poisson', 'gamma']).default('poisson').describe('poisson, or gamma (renewal gaps, burstiness cv)'),
    /** Coefficient of variation of the gaps for `gamma` (1 = Poisson, > 1 bursty). */
    cv: z.number().positive().default(1).describe('coefficient of variation of gamma gaps (> 1 bursty)'),
  })
  .strict();
export type ArrivalConfig = z.input<typeof arrivalSchema>;

/** Infinite sequence of arrival times (seconds), starting after the first gap. */
export function* arrivalTimes(cfg: ArrivalConfig, rng: Rng): Generator<number> {
  const c = arrivalSchema.parse(cfg);
  let t = 0;
  if (c.process === 'poisson' || c.cv === 1) {
    for (;;) {
      t += rng.exponential(c.rps);
      yield t;
    }
  }
  const { shape, scale } = gammaInterarrival(c.rps, c.cv);
  for (;;) {
    t += rng.gamma(shape, scale);
    yield t;
  }
}
