/**
 * Streaming CSV reading shared by every trace kind: csv-parse in streaming mode (a trace is never
 * loaded whole), header checked against the kind's required and optional columns, and field
 * parsers that raise an InputError naming file, line and column.
 */
import { createReadStream } from 'node:fs';
import { parse, type Options as CsvParseOptions } from 'csv-parse';
import { InputError } from '../errors.js';

export interface CsvSpec {
  required: readonly string[];
  optional?: readonly string[];
}

/** One data row: cells by column name plus its 1-based line number in the file. */
export interface CsvRow {
  cells: Record<string, string>;
  line: number;
  file: string;
}

/** Longest line accepted; a longer one is an error, not an out-of-memory. */
export const MAX_RECORD_BYTES = 1 << 20;

/** csv-parse's options for every trace (the MoE fast reader hands odd lines to the same parser). */
export function csvParseOptions(bom: boolean): CsvParseOptions {
  return { bom, trim: true, skip_empty_lines: true, relax_column_count: false, max_record_size: MAX_RECORD_BYTES, encoding: 'utf8' };
}

/** A parsed record as a row of cells by column name; a cell that did not decode as UTF-8 is an error. */
export function csvRow(record: readonly string[], header: readonly string[], file: string, line: number): CsvRow {
  const cells: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) {
    const v = record[i]!;
    if (v.includes('\uFFFD')) throw new InputError('invalid UTF-8 in cell', { file, line, field: header[i] });
    cells[header[i]!] = v;
  }
  return { cells, line, file };
}

export async function* readCsv(file: string, spec: CsvSpec): AsyncGenerator<CsvRow> {
  const stream = createReadStream(file);
  const parser = stream.pipe(
    batchedParser(csvParseOptions(true)),
  );
  stream.on('error', (e: NodeJS.ErrnoException) => parser.destroy(new InputError(`cannot read trace (${e.code ?? e.message})`, { file })));
  let header: string[] | undefined;
  try {
    for await (const batch of parser as AsyncIterable<Batch>) {
      for (const [record, line] of batch) {
        if (!header) {
          header = checkHeader(record, spec, file);
          continue;
        }
        yield csvRow(record, header, file, line);
      }
      if (batch.error !== undefined) throw batch.error;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as CsvParseError;
    const { message, field } = csvMessage(err, header ?? spec.required);
    throw new InputError(message, { file, line: err.lines, field: header ? field : 'header' });
  } finally {
    stream.destroy();
  }
  if (!header) throw new InputError(`empty file: expected a header with columns ${spec.required.join(',')}`, { file });
}

/**
 * Records with the line each ended on; `error`: the parse error that ended the input after them
 * (delivered behind the records, so the header is known and earlier rows are checked first).
 */
type Batch = Array<[string[], number]> & { error?: unknown };

interface ParserInternals {
  push(chunk: unknown): boolean;
  info: { lines: number };
  _transform(buf: Buffer, enc: BufferEncoding, cb: (err?: Error | null) => void): void;
  _flush(cb: (err?: Error | null) => void): void;
}

/**
 * csv-parse emitting one batch of records per parsed input chunk instead of one stream chunk per
 * record, each paired with the parser's line count when the record ended (what `info: true`
 * reports, without building an info object per record). Per-record stream chunks and info objects
 * cost more than the parsing itself on a multi-million-row trace.
 */
function batchedParser(opts: CsvParseOptions): ReturnType<typeof parse> {
  const parser = parse(opts);
  const p = parser as unknown as ParserInternals;
  let batch: Batch = [];
  const push = p.push.bind(parser);
  const flush = () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    push(b);
  };
  p.push = (rec: unknown) => {
    if (rec === null) {
      flush();
      return push(null);
    }
    batch.push([rec as string[], p.info.lines]);
    return true;
  };
  // A parse error would destroy the stream, dropping the records parsed before it in the same
  // chunk (a small file is one chunk: its header too). Pass it on behind them instead, and parse
  // nothing after it.
  let failed = false;
  const fail = (err: Error) => {
    failed = true;
    const b: Batch = batch;
    batch = [];
    b.error = err;
    push(b);
  };
  const transform = p._transform.bind(parser);
  p._transform = (buf, enc, cb) => {
    if (failed) return cb();
    transform(buf, enc, (err) => {
      if (err) fail(err);
      else flush();
      cb();
    });
  };
  const flushInput = p._flush.bind(parser);
  p._flush = (cb) => {
    if (failed) return cb();
    flushInput((err) => {
      if (err) fail(err);
      else flush();
      cb();
    });
  };
  return parser;
}

export interface CsvParseError {
  code?: string;
  message: string;
  lines?: number;
  /** Cells of the offending record (column-count errors). */
  record?: string[];
  /** Column being parsed when the error struck. */
  index?: number;
}

/** A csv-parse error as one line, with the column it concerns. */
export function csvMessage(err: CsvParseError, header: readonly string[]): { message: string; field?: string } {
  const column = (i: number | undefined) => (i !== undefined && i >= 0 ? (header[i] ?? `column ${i + 1}`) : undefined);
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const n = err.record?.length ?? 0;
      if (n < header.length) return { message: `${n} cells for ${header.length} columns: '${header[n]}' and after are missing`, field: header[n] };
      return { message: `${n} cells for ${header.length} columns: extra cell after '${header[header.length - 1]}'`, field: `column ${header.length + 1}` };
    }
    case 'CSV_MAX_RECORD_SIZE':
      return { message: `line longer than ${MAX_RECORD_BYTES} bytes (a trace row is a few hundred)`, field: column(err.index) };
    case 'CSV_QUOTE_NOT_CLOSED':
      return { message: 'unclosed quote', field: column(err.index) };
    default:
      return { message: `malformed CSV (${err.message.split('\n')[0]})`, field: column(err.index) };
  }
}

export function checkHeader(cols: string[], spec: CsvSpec, file: string): string[] {
  const known = new Set([...spec.required, ...(spec.optional ?? [])]);
  const seen = new Set<string>();
  cols.forEach((c, i) => {
    if (c.includes('\uFFFD')) throw new InputError('invalid UTF-8 in the header', { file, line: 1, field: `column ${i + 1}` });
  });
  for (const c of cols) {
    if (!known.has(c)) {
      throw new InputError(`unknown column '${c}' (expected ${spec.required.join(',')}${spec.optional?.length ? ` and optionally ${spec.optional.join(',')}` : ''})`, { file, line: 1, field: c });
    }
    if (seen.has(c)) throw new InputError(`duplicate column '${c}'`, { file, line: 1, field: c });
    seen.add(c);
  }
  for (const r of spec.required) {
    if (!seen.has(r)) throw new InputError(`missing required column '${r}'`, { file, line: 1, field: r });
  }
  return cols;
}

// --- field parsers ---------------------------------------------------------------------------

function fail(row: CsvRow, field: string, what: string): never {
  throw new InputError(`${what}, got '${truncate(row.cells[field] ?? '')}'`, { file: row.file, line: row.line, field });
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

export function has(row: CsvRow, field: string): boolean {
  const v = row.cells[field];
  return v !== undefined && v !== '';
}

/**
 * Decimal notation, what a trace's (and a measured-runs CSV's) numbers are written in: Number()
 * also reads '0x10', '0b1' and '0o7', which would pass a hex typo off as a value.
 */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A finite number, optionally bounded. */
export function num(row: CsvRow, field: string, opts: { min?: number; max?: number; minExclusive?: boolean } = {}): number {
  const s = row.cells[field];
  if (s === undefined || s === '') fail(row, field, 'expected a number');
  const v = Number(s);
  if (!Number.isFinite(v)) fail(row, field, 'expected a finite number');
  if (!DECIMAL.test(s)) fail(row, field, 'expected a decimal number');
  if (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) {
    fail(row, field, `expected a number ${opts.minExclusive ? '>' : '>='} ${opts.min}`);
  }
  if (opts.max !== undefined && v > opts.max) fail(row, field, `expected a number <= ${opts.max}`);
  return v;
}

export function int(row: CsvRow, field: string, opts: { min?: number; max?: number } = {}): number {
  const v = num(row, field, opts);
  if (!Number.isInteger(v)) fail(row, field, 'expected an integer');
  return v;
}

export function optNum(row: CsvRow, field: string, opts: { min?: number; max?: number; minExclusive?: boolean } = {}): number | undefined {
  return has(row, field) ? num(row, field, opts) : undefined;
}

export function optInt(row: CsvRow, field: string, opts: { min?: number; max?: number } = {}): number | undefined {
  return has(row, field) ? int(row, field, opts) : undefined;
}

export function str(row: CsvRow, field: string): string {
  const s = row.cells[field];
  if (s === undefined || s === '') fail(row, field, 'expected a value');
  return s;
}

/** A `|`-separated list of strings; empty cell -> []. */
export function list(row: CsvRow, field: string): string[] {
  const s = row.cells[field];
  if (s === undefined || s === '') return [];
  const parts = s.split('|').map((p) => p.trim());
  if (parts.some((p) => p === '')) fail(row, field, "expected '|'-separated values with no empty item");
  return parts;
}

/** A `|`-separated list of integers within [min, max]. */
export function intList(row: CsvRow, field: string, opts: { min?: number; max?: number } = {}): number[] {
  return list(row, field).map((p) => {
    const v = Number(p);
    if (!Number.isInteger(v) || !DECIMAL.test(p)) fail(row, field, "expected '|'-separated integers");
    if (opts.min !== undefined && v < opts.min) fail(row, field, `expected integers >= ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) fail(row, field, `expected integers <= ${opts.max}`);
    return v;
  });
}

/** A `|`-separated list of finite numbers. */
export function numList(row: CsvRow, field: string, opts: { min?: number } = {}): number[] {
  return list(row, field).map((p) => {
    const v = Number(p);
    if (!Number.isFinite(v) || !DECIMAL.test(p)) fail(row, field, "expected '|'-separated finite numbers");
    if (opts.min !== undefined && v < opts.min) fail(row, field, `expected numbers >= ${opts.min}`);
    return v;
  });
}

/** Raise an InputError about this row. */
export function rowError(row: CsvRow, field: string | undefined, message: string): InputError {
  return new InputError(message, { file: row.file, line: row.line, field });
}

/** Quote a cell for CSV output when needed. */
export function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
