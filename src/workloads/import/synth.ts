/**
 * What an import must invent when a public trace lacks a column the target format needs (Azure's
 * LLM trace has arrival times only). Draws are seeded, one stream per purpose, with defaults from
 * InstGenIE (arXiv 2505.20600) and SwiftDiffusion/Katz (arXiv 2407.02031; docs/sources.md): edit
 * templates Zipf(1) over a catalogue and mask ratios Beta with mean 0.11 (Beta(1.1, 8.9)); t2i
 * add-ons as Katz's service A: 30.5% / 69.5% of requests with one / two
 * ControlNets, 8.8% / 91% with one / two LoRAs (rest none), LoRA ids Zipf(1) over ~7,000, ControlNet
 * ids a steep Zipf(3) over 20 (top 5 ~ 98% of uses, as reported).
 */
import { betaFromMean, Categorical, RngStreams, Zipf, type Rng } from '../../engine/index.js';

export interface EditSynthOptions {
  templates: number;
  zipf: number;
  maskMean: number;
}
export const EDIT_SYNTH_DEFAULTS: EditSynthOptions = { templates: 100, zipf: 1, maskMean: 0.11 };

export interface T2iSynthOptions {
  loras: number;
  controlnets: number;
}
export const T2I_SYNTH_DEFAULTS: T2iSynthOptions = { loras: 7000, controlnets: 20 };

export function editSynth(seed: number, o: EditSynthOptions): () => { template: string; mask: number } {
  const s = new RngStreams(seed);
  const templates = new Zipf(o.templates, o.zipf);
  const { a, b } = betaFromMean(o.maskMean);
  const tRng = s.stream('templates');
  const mRng = s.stream('mask');
  return () => ({ template: `t${templates.sample(tRng)}`, mask: Number(mRng.beta(a, b).toFixed(4)) });
}

export function t2iSynth(seed: number, o: T2iSynthOptions): () => { loras: string[]; controlnets: string[] } {
  const s = new RngStreams(seed);
  const nLora = new Categorical([0.002, 0.088, 0.91]);
  const nCn = new Categorical([0, 0.305, 0.695]);
  const loraIds = new Zipf(o.loras, 1);
  const cnIds = new Zipf(o.controlnets, 3);
  const countRng = s.stream('adapter-counts');
  const loraRng = s.stream('lora-ids');
  const cnRng = s.stream('controlnet-ids');
  const distinct = (n: number, z: Zipf, rng: Rng, prefix: string) => {
    const out = new Set<string>();
    const want = Math.min(n, z.n);
    while (out.size < want) out.add(`${prefix}${z.sample(rng)}`);
    return [...out];
  };
  return () => ({
    loras: distinct(nLora.sample(countRng), loraIds, loraRng, 'lora'),
    controlnets: distinct(nCn.sample(countRng), cnIds, cnRng, 'cn'),
  });
}
