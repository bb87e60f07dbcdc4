/**
 * Streaming reader for edit traces: `arrival_s,request,template,mask_ratio[,steps][,width,height][,model]`.
 * Every problem is one InputError naming the file, line and field: a mask ratio outside [0, 1], a
 * negative or decreasing arrival time, a non-numeric cell, a width without a height, a repeated
 * request id.
 */
import { has, int, num, optInt, readCsv, rowError, str } from '../csv.js';
import { IdSet } from '../ids.js';
import { EDIT_MODEL_NAMES } from './models.js';
import { EDIT_COLUMNS, type EditRow } from './row.js';

/** Largest accepted steps and side length: beyond these a cell is a typo, not a request. */
const MAX_STEPS = 1000;
const MAX_SIDE = 16384;

export async function* readEditTrace(file: string): AsyncGenerator<EditRow> {
  let last = 0;
  // Ids are remembered compactly: a multi-million-row trace must not keep every id string.
  const seen = new IdSet();
  for await (const row of readCsv(file, EDIT_COLUMNS)) {
    const arrival = num(row, 'arrival_s', { min: 0 });
    if (arrival < last) throw rowError(row, 'arrival_s', `arrivals must be sorted: ${arrival} comes after ${last}`);
    last = arrival;
    const request = str(row, 'request');
    if (!seen.add(request)) throw rowError(row, 'request', `duplicate request id '${request}'`);
    const out: EditRow = {
      arrival,
      request,
      template: str(row, 'template'),
      maskRatio: num(row, 'mask_ratio', { min: 0, max: 1 }),
      line: row.line,
      file,
    };
    const steps = optInt(row, 'steps', { min: 1, max: MAX_STEPS });
    if (steps !== undefined) out.steps = steps;
    const hasW = has(row, 'width');
    const hasH = has(row, 'height');
    if (hasW !== hasH) throw rowError(row, hasW ? 'height' : 'width', 'width and height must be given together');
    if (hasW) {
      out.width = side(row, 'width');
      out.height = side(row, 'height');
    }
    if (has(row, 'model')) {
      const model = str(row, 'model');
      if (!(EDIT_MODEL_NAMES as readonly string[]).includes(model)) throw rowError(row, 'model', `unknown model preset '${model.length > 40 ? model.slice(0, 37) + '...' : model}' (known: ${EDIT_MODEL_NAMES.join(', ')})`);
      out.model = model;
    }
    yield out;
  }
}

/** Pixel sides are positive multiples of 8: the VAE's latent grid is 8x smaller. */
function side(row: Parameters<typeof int>[0], field: string): number {
  const v = int(row, field, { min: 8, max: MAX_SIDE });
  if (v % 8 !== 0) throw rowError(row, field, `expected a multiple of 8 pixels (the latent grid), got ${v}`);
  return v;
}
