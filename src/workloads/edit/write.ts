/** CSV writing for edit rows: a fixed header with every column; absent optional cells are empty. */
import { csvCell } from '../csv.js';
import { EDIT_COLUMNS, type EditRow } from './row.js';

export function editHeader(): string {
  return [...EDIT_COLUMNS.required, ...EDIT_COLUMNS.optional].join(',');
}

/**
 * One CSV line. Times keep microsecond resolution and mask ratios six decimals, so a written trace
 * reads back to the same simulation up to those roundings (and is stable across platforms).
 */
export function editToCsv(r: EditRow): string {
  return [
    fixed(r.arrival, 6),
    csvCell(r.request),
    csvCell(r.template),
    fixed(r.maskRatio, 6),
    r.steps ?? '',
    r.width ?? '',
    r.height ?? '',
    r.model !== undefined ? csvCell(r.model) : '',
  ].join(',');
}

function fixed(x: number, digits: number): string {
  // Trim trailing zeros so "0.150000" reads as "0.15" and files stay small.
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
