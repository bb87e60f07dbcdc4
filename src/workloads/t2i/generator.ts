/**
 * Synthetic t2i traces. Arrivals come from the shared arrival processes; each request draws how
 * many ControlNets and LoRAs it carries from per-count mixes, then that many distinct adapters by
 * popularity: a Zipf over thousands of LoRAs (long tail) and a steep Zipf over tens of
 * ControlNets. Defaults are service A of SwiftDiffusion's production traces (SwiftDiffusion, arXiv 2407.02031):
 *  - ControlNets per request: 30.5% one, 69.5% two;
 *  - LoRAs per request: 8.8% one, 91% two (the 0.2% left carry none);
 *  - ~7,000 distinct LoRAs with a long tail; ControlNets: top-5 = 98% of uses.
 * Counts and popularity are drawn independently, from one `adapters` stream; arrivals from
 * `arrivals` (common random numbers across policies).
 */
import { z } from 'zod';
import { RngStreams, type Rng } from '../../engine/rng.js';
import { Categorical, Zipf } from '../../engine/distributions.js';
import { arrivalTimes } from '../arrivals.js';
import { MAX_CONTROLNETS, MAX_LORAS, type T2iRow } from './row.js';

const weights = (max: number) =>
  z
    .array(z.number().nonnegative())
    .min(1)
    .max(max + 1)
    .refine((w) => w.some((x) => x > 0), 'at least one weight must be > 0');

const popularitySchema = (count: number, zipf: number, maxMix: number, mix: number[]) =>
  z
    .object({
      /** Distinct adapters in the catalogue. */
      count: z.number().int().positive().default(count).describe('distinct adapters in the catalogue'),
      /** Zipf exponent of popularity over ranks 1..count (0 = uniform). */
      zipf: z.number().nonnegative().default(zipf).describe('Zipf exponent of popularity (0 = uniform)'),
      /** Weights of carrying 0, 1, 2, ... adapters (normalised). */
      mix: weights(maxMix).default(mix).describe('weights of 0, 1, 2, ... adapters per request'),
      /** Id prefix; ids are prefix + popularity rank (1 = most popular). */
      prefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/).optional().describe('id prefix; ids are prefix + popularity rank'),
    })
    .strict();

/**
 * LoRA popularity exponent: SwiftDiffusion gives no exponent, only "~7,000 distinct with a long tail";
 * Zipf 1.0 over 7,000 keeps almost every LoRA in a 550k-request trace (the public trace's size)
 * while the top 1% (70 LoRAs) take ~half of the uses. An estimate: sweep it.
 */
const LORA_ZIPF = 1.0;
/**
 * ControlNet exponent chosen so the top 5 of 30 take 98% of uses, as SwiftDiffusion reports, after the
 * without-replacement draw of a second ControlNet (solved numerically; see test/workloads/t2i).
 */
const CONTROLNET_ZIPF = 3.45;

export const t2iGenSchema = z
  .object({
    /** Requests to generate. */
    requests: z.number().int().positive().default(1000).describe('number of requests'),
    /** Stop at this arrival time (seconds) if reached before `requests`. */
    duration_s: z.number().positive().optional().describe('stop at this arrival time (s) if reached first'),
    /** Mean arrival rate, requests/s. SwiftDiffusion gives no rate per GPU; 1 rps keeps 8 SDXL GPUs busy but not saturated. */
    rps: z.number().positive().default(1).describe('mean arrival rate, requests/s'),
    process: z.enum(['poisson', 'gamma']).default('poisson').describe('poisson, or gamma (renewal gaps, burstiness cv)'),
    cv: z.number().positive().default(1).describe('coefficient of variation of gamma gaps (> 1 bursty)'),
    loras: popularitySchema(7000, LORA_ZIPF, MAX_LORAS, [0.002, 0.088, 0.91]).default({
      count: 7000,
      zipf: LORA_ZIPF,
      mix: [0.002, 0.088, 0.91],
    }),
    controlnets: popularitySchema(30, CONTROLNET_ZIPF, MAX_CONTROLNETS, [0, 0.305, 0.695]).default({
      count: 30,
      zipf: CONTROLNET_ZIPF,
      mix: [0, 0.305, 0.695],
    }),
    /** Per-request overrides written into the trace (else the model's defaults apply). */
    steps: z.number().int().min(1).max(1000).optional().describe('denoising steps written into every row'),
    width: z.number().int().min(64).max(8192).multipleOf(8).optional().describe('image width in pixels (with height)'),
    height: z.number().int().min(64).max(8192).multipleOf(8).optional().describe('image height in pixels (with width)'),
    model: z.string().optional().describe('model column written into every row'),
  })
  .strict()
  .refine((g) => (g.width === undefined) === (g.height === undefined), { message: 'width and height must be given together', path: ['width'] })
  .refine((g) => g.loras.mix.length - 1 <= g.loras.count || g.loras.mix.slice(g.loras.count + 1).every((w) => w === 0), {
    message: 'loras.mix asks for more distinct LoRAs per request than loras.count',
    path: ['loras', 'mix'],
  })
  .refine((g) => g.controlnets.mix.length - 1 <= g.controlnets.count || g.controlnets.mix.slice(g.controlnets.count + 1).every((w) => w === 0), {
    message: 'controlnets.mix asks for more distinct ControlNets per request than controlnets.count',
    path: ['controlnets', 'mix'],
  });

export type T2iGenParams = z.input<typeof t2iGenSchema>;
type Parsed = z.output<typeof t2iGenSchema>;

export const DEFAULT_LORA_PREFIX = 'lora-';
export const DEFAULT_CONTROLNET_PREFIX = 'cn-';

/** Lazily generate rows; same params and seed give the same rows. */
export function* generateT2i(params: T2iGenParams, seed: number): Generator<T2iRow> {
  const g: Parsed = t2iGenSchema.parse(params);
  const streams = new RngStreams(seed);
  const times = arrivalTimes({ rps: g.rps, process: g.process, cv: g.cv }, streams.stream('arrivals'));
  const rng = streams.stream('adapters');
  const loraPick = new AdapterPicker(g.loras.count, g.loras.zipf, g.loras.mix, g.loras.prefix ?? DEFAULT_LORA_PREFIX);
  const cnPick = new AdapterPicker(g.controlnets.count, g.controlnets.zipf, g.controlnets.mix, g.controlnets.prefix ?? DEFAULT_CONTROLNET_PREFIX);
  const width = String(g.requests).length;
  for (let i = 0; i < g.requests; i++) {
    const t = Math.round(times.next().value * 1e6) / 1e6;
    if (g.duration_s !== undefined && t > g.duration_s) return;
    const row: T2iRow = {
      arrival_s: t,
      request: `r${String(i).padStart(width, '0')}`,
      controlnets: cnPick.draw(rng),
      loras: loraPick.draw(rng),
    };
    if (g.steps !== undefined) row.steps = g.steps;
    if (g.width !== undefined && g.height !== undefined) {
      row.width = g.width;
      row.height = g.height;
    }
    if (g.model !== undefined) row.model = g.model;
    yield row;
  }
}

/** Draws how many adapters a request carries, then that many distinct ones by popularity. */
class AdapterPicker {
  private readonly howMany: Categorical;
  private readonly rank: Zipf;
  private readonly ids: string[];

  constructor(count: number, s: number, mix: number[], prefix: string) {
    this.howMany = new Categorical(mix);
    this.rank = new Zipf(count, s);
    this.ids = Array.from({ length: count }, (_, r) => `${prefix}${r + 1}`);
  }

  draw(rng: Rng): string[] {
    const n = this.howMany.sample(rng);
    const out: string[] = [];
    while (out.length < n) {
      // Rejection keeps the draw distinct; the schema guarantees n <= count, so it terminates.
      const id = this.ids[this.rank.sample(rng)]!;
      if (!out.includes(id)) out.push(id);
    }
    return out;
  }
}
