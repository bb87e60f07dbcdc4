/**
 * azure-llm: the Azure LLM inference traces (CSV `TIMESTAMP,ContextTokens,GeneratedTokens`).
 * They give real arrival times; they carry nothing about images or adapters. So an import keeps
 * the arrivals (relative to the first, optionally rescaled to --rps) and draws the rest with the
 * documented defaults (synth.ts): -> edit (template, mask_ratio) or -> t2i (loras, controlnets).
 * Token counts are checked (a wrong file fails loudly) but not used.
 */
import { InputError } from '../../errors.js';
import { csvCell, int, readCsv, rowError } from '../csv.js';
import { writeTrace } from './output.js';
import { EDIT_SYNTH_DEFAULTS, editSynth, T2I_SYNTH_DEFAULTS, t2iSynth } from './synth.js';
import { parseStamp, relativeArrivals, type Stamp } from './time.js';
import type { Importer } from './types.js';

export const azureLlm: Importer = {
  description: 'Azure LLM inference trace (TIMESTAMP,ContextTokens,GeneratedTokens) -> arrivals of an edit or t2i trace',
  kinds: ['edit', 't2i'],
  async run(file, opts) {
    const kind = opts.kind ?? 'edit';
    if (kind !== 'edit' && kind !== 't2i') throw new InputError(`azure-llm converts to --kind edit or t2i, not ${kind}`);
    const stamps: Stamp[] = [];
    for await (const r of readCsv(file, { required: ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] })) {
      const s = parseStamp(r.cells.TIMESTAMP!, opts.timeUnit);
      if (!s) throw rowError(r, 'TIMESTAMP', `expected a timestamp like 2023-11-16 18:15:46.6805900 or a number, got '${r.cells.TIMESTAMP}'`);
      int(r, 'ContextTokens', { min: 0 });
      int(r, 'GeneratedTokens', { min: 0 });
      stamps.push(s);
    }
    if (stamps.length === 0) throw new InputError('trace has no rows', { file });
    let { arrivals } = relativeArrivals(stamps, opts.rps);
    if (opts.limit !== undefined) arrivals = arrivals.slice(0, opts.limit);
    const notes = [`arrivals from TIMESTAMP${opts.rps !== undefined ? `, rescaled to ${opts.rps} req/s` : ''}; token counts not used`];
    await writeTrace(opts.out, (w) => {
      if (kind === 'edit') {
        const o = { templates: opts.templates ?? EDIT_SYNTH_DEFAULTS.templates, zipf: opts.zipf ?? EDIT_SYNTH_DEFAULTS.zipf, maskMean: opts.maskMean ?? EDIT_SYNTH_DEFAULTS.maskMean };
        const draw = editSynth(opts.seed, o);
        w.write('arrival_s,request,template,mask_ratio');
        arrivals.forEach((t, i) => {
          const d = draw();
          w.write(`${t},${i},${csvCell(d.template)},${d.mask}`);
        });
        notes.push(`template ~ Zipf(${o.zipf}) over ${o.templates}, mask_ratio ~ Beta with mean ${o.maskMean} (seed ${opts.seed})`);
      } else {
        const o = { loras: opts.loras ?? T2I_SYNTH_DEFAULTS.loras, controlnets: opts.controlnets ?? T2I_SYNTH_DEFAULTS.controlnets };
        const draw = t2iSynth(opts.seed, o);
        w.write('arrival_s,request,loras,controlnets');
        arrivals.forEach((t, i) => {
          const d = draw();
          w.write(`${t},${i},${d.loras.join('|')},${d.controlnets.join('|')}`);
        });
        notes.push(`loras/controlnets drawn as Katz service A over ${o.loras} LoRAs and ${o.controlnets} ControlNets (seed ${opts.seed})`);
      }
    });
    return { format: 'azure-llm', kind, rows: arrivals.length, requests: arrivals.length, out: opts.out, notes };
  },
};
