/** CSV writing for t2i traces: a fixed header with every column, empty cells for absent values. */
import { csvCell } from '../csv.js';
import { T2I_COLUMNS } from './reader.js';
import type { T2iRow } from './row.js';

const HEADER = [...T2I_COLUMNS.required, ...T2I_COLUMNS.optional].join(',');

export function t2iHeader(): string {
  return HEADER;
}

export function t2iToCsv(r: T2iRow): string {
  return [
    r.arrival_s,
    csvCell(r.request),
    r.loras.join('|'),
    r.controlnets.join('|'),
    r.steps ?? '',
    r.width ?? '',
    r.height ?? '',
    r.model === undefined ? '' : csvCell(r.model),
  ].join(',');
}
