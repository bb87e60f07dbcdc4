/**
 * Synthetic edit workloads: Poisson or gamma-renewal arrivals at a target rate, templates drawn
 * Zipf over a catalogue, mask ratios from a Beta fitted to a mean (InstGenIE's production trace:
 * mean 0.11-0.19, right-skewed; Beta(1.1, 8.9) fits mean 0.11). Rows are produced lazily, so a
 * million-request workload never exists in memory at once.
 */
import { z } from 'zod';
import { betaFromMean, Zipf } from '../../engine/distributions.js';
import { RngStreams } from '../../engine/rng.js';
import { arrivalSchema, arrivalTimes } from '../arrivals.js';
import { EDIT_MODEL_DEFAULTS, EDIT_MODEL_NAMES } from './models.js';
import type { EditRow } from './row.js';

export const editGenObject = z
  .object({
    /** Number of requests to generate. */
    requests: z.number().int().positive().default(2000).describe('number of requests'),
    ...arrivalSchema.shape,
    /** Mean arrival rate, requests per second (InstGenIE, arXiv 2505.20600, sweeps 1-7 RPS on 8 GPUs). */
    rps: z.number().positive().default(3).describe('mean arrival rate, requests/s'),
    /** Templates in the catalogue. */
    templates: z.number().int().positive().default(16).describe('templates in the catalogue'),
    /** Zipf exponent of template popularity (0 = uniform). Estimate: production popularity is skewed; InstGenIE gives no exponent. */
    template_skew: z.number().min(0).default(1).describe('Zipf exponent of template popularity (0 = uniform)'),
    /** Mean mask ratio (InstGenIE, arXiv 2505.20600: 0.11-0.19 in production). */
    mask_mean: z.number().gt(0).lt(1).default(0.15).describe('mean mask ratio (0..1)'),
    /** Beta concentration a + b; 10 gives Beta(1.1, 8.9) at mean 0.11 (InstGenIE's mask distribution). */
    mask_concentration: z.number().positive().default(10).describe('Beta concentration a + b of the mask ratio'),
    /**
     * Each sampled mask ratio is multiplied by this and capped at 1. FlashPS's artifact writes a
     * trace's masked-token counts as int(12288 m) (scheduler/generate_seqlen.py, `standard_len`:
     * OOTD's 128 x 96 latent) for every model, its Flux experiment included
     * (`seqlen_data_flux_experiment`), and the Flux pipeline marks the first that many of its 4096
     * latent tokens (pipeline_flux_inpaint_continuous_batching.py `prepare_mask_latents`,
     * `generated_seqlen`), so a Flux request there computes min(3 m, 1) of its tokens: scale 3.
     */
    mask_scale: z.number().positive().default(1).describe('multiply each mask ratio by this, capped at 1 (3: the artifact\'s 12288-token trace on Flux\'s 4096 tokens)'),
    /** Model preset: rows then carry its steps and resolution and the model column. */
    model: z.enum(EDIT_MODEL_NAMES).optional().describe('sd2.1, sdxl or flux: sets steps, resolution, model'),
    /** Override the model's steps / resolution in every row. */
    steps: z.number().int().min(1).max(1000).optional().describe('denoising steps written into every row'),
    width: z.number().int().min(8).max(16384).multipleOf(8).optional().describe('image width in pixels (with height)'),
    height: z.number().int().min(8).max(16384).multipleOf(8).optional().describe('image height in pixels (with width)'),
  })
  .strict();

/** Generator parameters with defaults from InstGenIE (arXiv 2505.20600); width and height come together. */
export const editGenSchema = editGenObject.refine((g) => (g.width === undefined) === (g.height === undefined), {
  message: 'width and height must be given together',
  path: ['width'],
});

export type EditGenParams = z.input<typeof editGenSchema>;

/** Rows in arrival order; each random quantity has its own stream (common random numbers). */
export function* generateEditRows(params: EditGenParams, seed: number): Generator<EditRow> {
  const p = editGenSchema.parse(params);
  const streams = new RngStreams(seed);
  const arrivals = arrivalTimes({ rps: p.rps, process: p.process, cv: p.cv }, streams.stream('arrivals'));
  const templateRng = streams.stream('templates');
  const maskRng = streams.stream('masks');
  const zipf = new Zipf(p.templates, p.template_skew);
  const { a, b } = betaFromMean(p.mask_mean, p.mask_concentration);
  const names = Array.from({ length: p.templates }, (_, i) => `t${i}`);
  const defaults = p.model ? EDIT_MODEL_DEFAULTS[p.model] : undefined;
  const steps = p.steps ?? defaults?.steps;
  const width = p.width ?? defaults?.width;
  const height = p.height ?? defaults?.height;
  for (let i = 0; i < p.requests; i++) {
    const row: EditRow = {
      arrival: arrivals.next().value as number,
      request: `r${i}`,
      template: names[zipf.sample(templateRng)]!,
      maskRatio: Math.min(1, p.mask_scale * maskRng.beta(a, b)),
    };
    if (steps !== undefined) row.steps = steps;
    if (width !== undefined && height !== undefined) {
      row.width = width;
      row.height = height;
    }
    if (p.model) row.model = p.model;
    yield row;
  }
}
