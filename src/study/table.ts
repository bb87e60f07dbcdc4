/** Plain-text tables for notebook and terminal output: columns padded, numbers via fmt. */
import { fmt } from '../report/metrics.js';

export interface Column {
  /** Field of the row. */
  key: string;
  /** Header. __Default value:__ the key */
  title?: string;
  /** Cell text. __Default value:__ fmt for numbers, String otherwise */
  format?: (v: unknown) => string;
}

export function textTable(rows: ReadonlyArray<Record<string, unknown>>, columns: ReadonlyArray<string | Column>): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { key: c } : c));
  const cell = (c: Column, v: unknown) => (c.format ? c.format(v) : typeof v === 'number' ? fmt(v) : v === undefined || v === null ? '' : String(v));
  const body = rows.map((r) => cols.map((c) => cell(c, r[c.key])));
  const head = cols.map((c) => c.title ?? c.key);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  // Numbers right-aligned, text left-aligned, decided per column from its first row.
  const numeric = cols.map((c) => typeof rows[0]?.[c.key] === 'number');
  const line = (cells: string[]) => cells.map((t, i) => (numeric[i] ? t.padStart(widths[i]!) : t.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
