/**
 * How big a trace is, without reading it: the rows of its first 64 KiB scaled to the file's size.
 * For the work estimate before a run (a trace of hundreds of GB must not be read just to say how
 * long it will take); exact for files shorter than the sample.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const SAMPLE_BYTES = 64 * 1024;

export interface TraceSize {
  /** Data rows (header excluded), estimated. */
  rows: number;
  /** Of those, the rows `count` accepted (all rows without `count`), estimated. */
  counted: number;
}

/**
 * `count(cells, header)`: which rows to count (moe: one per token, the layer-0 rows). Undefined
 * when the file cannot be read: the loader reports a missing trace itself.
 */
export function traceSize(file: string, count?: (cells: string[], header: string[]) => boolean): TraceSize | undefined {
  let size: number;
  let text: string;
  try {
    size = statSync(file).size;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
      const n = readSync(fd, buf, 0, buf.length, 0);
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const whole = size <= SAMPLE_BYTES;
  // A sample cut mid-line drops its last, partial line.
  const lines = text.split('\n');
  if (!whole) lines.pop();
  const header = (lines.shift() ?? '').replace(/^\uFEFF/, '').trim().split(',');
  const rows = lines.filter((l) => l.trim() !== '');
  if (rows.length === 0) return { rows: 0, counted: 0 };
  const counted = count ? rows.filter((l) => count(l.trim().split(','), header)).length : rows.length;
  if (whole) return { rows: rows.length, counted };
  const headerBytes = Buffer.byteLength(text.slice(0, text.indexOf('\n') + 1));
  const sampleBytes = Buffer.byteLength(lines.join('\n')) + 1;
  const scale = (size - headerBytes) / sampleBytes;
  return { rows: Math.round(rows.length * scale), counted: Math.round(counted * scale) };
}
