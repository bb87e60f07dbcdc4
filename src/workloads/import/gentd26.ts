/**
 * gentd26-lora: Alibaba's `lora_request_trace.csv` (gmt_create, predict_type, predict_status,
 * exec_time_seconds, groupId, prompt_length, negative_prompt_length, num_images_per_prompt,
 * num_inference_steps, checkpoint_model_version_id, num_lora) -> t2i. The trace counts LoRAs but
 * does not name them; a request's LoRAs become `g<groupId>-l<k>` for k < num_lora, on the
 * assumption that a group (tenant) reuses its own adapters, so adapter locality follows the
 * groups. steps = num_inference_steps, model = checkpoint_model_version_id; no ControlNets.
 * request = the row's line number in the source file (stable under --status filtering).
 * Prompt lengths, image counts and measured exec times are not used.
 */
import { InputError } from '../../errors.js';
import { csvCell, int, readCsv, rowError, str } from '../csv.js';
import { writeTrace } from './output.js';
import { parseStamp, relativeArrivals, type Stamp } from './time.js';
import type { Importer } from './types.js';

const COLUMNS = [
  'gmt_create',
  'predict_type',
  'predict_status',
  'exec_time_seconds',
  'groupId',
  'prompt_length',
  'negative_prompt_length',
  'num_images_per_prompt',
  'num_inference_steps',
  'checkpoint_model_version_id',
  'num_lora',
] as const;

export const gentd26Lora: Importer = {
  description: "Alibaba's lora_request_trace.csv (gmt_create, ..., num_lora) -> t2i",
  kinds: ['t2i'],
  async run(file, opts) {
    const rows: Array<{ stamp: Stamp; group: string; loras: number; steps: number; model: string; line: number }> = [];
    let skipped = 0;
    for await (const r of readCsv(file, { required: COLUMNS })) {
      if (opts.status !== undefined && r.cells.predict_status !== opts.status) {
        skipped++;
        continue;
      }
      const stamp = parseStamp(r.cells.gmt_create!, opts.timeUnit);
      if (!stamp) throw rowError(r, 'gmt_create', `expected a date-time like 2024-05-01 12:00:03, got '${r.cells.gmt_create}'`);
      const group = str(r, 'groupId');
      if (/[|,"]/.test(group)) throw rowError(r, 'groupId', "groupId must not contain '|', ',' or quotes");
      rows.push({ stamp, group, loras: int(r, 'num_lora', { min: 0, max: 64 }), steps: int(r, 'num_inference_steps', { min: 1 }), model: str(r, 'checkpoint_model_version_id'), line: r.line });
    }
    if (rows.length === 0) throw new InputError(skipped ? `no rows with predict_status '${opts.status}'` : 'trace has no rows', { file });
    const { order, arrivals } = relativeArrivals(rows.map((r) => r.stamp), opts.rps);
    const n = Math.min(order.length, opts.limit ?? Infinity);
    await writeTrace(opts.out, (w) => {
      w.write('arrival_s,request,loras,controlnets,steps,model');
      for (let k = 0; k < n; k++) {
        const i = order[k]!;
        const r = rows[i]!;
        const loras = Array.from({ length: r.loras }, (_, j) => `g${r.group}-l${j}`).join('|');
        w.write(`${arrivals[k]},${r.line},${loras},,${r.steps},${csvCell(r.model)}`);
      }
    });
    const notes = ['LoRA ids synthesised as g<groupId>-l<k> (the trace gives only counts); no ControlNets'];
    if (skipped) notes.push(`${skipped} rows skipped (predict_status != ${opts.status})`);
    return { format: 'gentd26-lora', kind: 't2i', rows: n, requests: n, out: opts.out, notes };
  },
};
