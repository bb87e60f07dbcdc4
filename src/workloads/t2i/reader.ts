/**
 * Streaming reader for t2i traces: validates every row and names file, line and field on error
 * (unsorted or negative arrivals, bad or duplicate adapter ids, too many adapters, half a
 * resolution, out-of-range steps).
 */
import { has, int, list, num, readCsv, rowError, str, type CsvRow } from '../csv.js';
import { ID_PATTERN, MAX_CONTROLNETS, MAX_LORAS, type T2iRow } from './row.js';

export const T2I_COLUMNS = {
  required: ['arrival_s', 'request', 'loras', 'controlnets'],
  optional: ['steps', 'width', 'height', 'model'],
} as const;

/** Image sides: latent models work on multiples of 8 pixels. */
const MIN_SIDE = 64;
const MAX_SIDE = 8192;
const MAX_STEPS = 1000;

export interface T2iReadOptions {
  /** Base-model presets a `model` cell may name (the system's); absent: any id. */
  models?: readonly string[];
}

export async function* readT2i(file: string, opts: T2iReadOptions = {}): AsyncGenerator<T2iRow> {
  const models = opts.models ? new Set(opts.models) : undefined;
  let last = 0;
  // One string object per adapter id: a trace names ~10^4 adapters ~10^6 times, and maps keyed by
  // the same object compare by pointer instead of by characters.
  const intern = new Map<string, string>();
  for await (const row of readCsv(file, T2I_COLUMNS)) {
    const arrival = num(row, 'arrival_s', { min: 0 });
    if (arrival < last) throw rowError(row, 'arrival_s', `arrivals must be sorted: ${arrival} comes after ${last}`);
    last = arrival;
    const out = parseRow(row, arrival, intern);
    if (models && out.model !== undefined && !models.has(out.model)) {
      throw rowError(row, 'model', `unknown model preset '${clip(out.model)}' (known: ${[...models].join(', ')})`);
    }
    yield out;
  }
}

function parseRow(row: CsvRow, arrival_s: number, intern: Map<string, string>): T2iRow {
  const request = str(row, 'request');
  if (!ID_PATTERN.test(request)) throw rowError(row, 'request', `bad request id '${clip(request)}' (letters, digits and ._:/- only)`);
  const out: T2iRow = {
    arrival_s,
    request,
    loras: ids(row, 'loras', MAX_LORAS, intern),
    controlnets: ids(row, 'controlnets', MAX_CONTROLNETS, intern),
  };
  if (has(row, 'steps')) out.steps = int(row, 'steps', { min: 1, max: MAX_STEPS });
  const w = has(row, 'width');
  const h = has(row, 'height');
  if (w !== h) throw rowError(row, w ? 'height' : 'width', 'width and height must be given together');
  if (w) {
    out.width = side(row, 'width');
    out.height = side(row, 'height');
  }
  if (has(row, 'model')) out.model = str(row, 'model');
  return out;
}

function ids(row: CsvRow, field: string, max: number, intern: Map<string, string>): string[] {
  const xs = list(row, field);
  if (xs.length > max) throw rowError(row, field, `at most ${max} ${field} per request, got ${xs.length}`);
  for (let i = 0; i < xs.length; i++) {
    const id = xs[i]!;
    let known = intern.get(id);
    if (known === undefined) {
      if (!ID_PATTERN.test(id)) throw rowError(row, field, `bad adapter id '${clip(id)}' (letters, digits and ._:/- only)`);
      intern.set(id, (known = id));
    }
    if (xs.indexOf(id) !== i) throw rowError(row, field, `adapter '${clip(id)}' listed twice`);
    xs[i] = known;
  }
  return xs;
}

function side(row: CsvRow, field: string): number {
  const v = int(row, field, { min: MIN_SIDE, max: MAX_SIDE });
  if (v % 8 !== 0) throw rowError(row, field, `image sides must be multiples of 8 pixels, got ${v}`);
  return v;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}
