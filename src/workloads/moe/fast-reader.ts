/**
 * The MoE trace reader the simulator replays through: synchronous, a 1 MiB chunk at a time, with
 * the rows of plain lines parsed straight from the bytes (no string per cell, no record of cells,
 * no await per row). A routing trace is millions of such lines: ASCII digits, '.', '|' and ','.
 *
 * Anything else gives the same rows and the same errors as the csv-parse reader
 * (readMoeTraceCsv), because it goes through the same code:
 *  - a cell that is not plain digits (spaces, signs, exponents, '1.0', an empty required cell) or a
 *    value the checks refuse: the line is split into cells and checked by TraceChecker.row, which
 *    returns the row or throws the error the csv-parse reader throws;
 *  - a quote, a control character (tab, CR) or a non-ASCII byte: from that line to the end of the
 *    file, records come from csv-parse (driven synchronously), as in readCsv.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../../errors.js';
import { checkHeader, csvMessage, csvParseOptions, csvRow, MAX_RECORD_BYTES, type CsvParseError, type CsvRow } from '../csv.js';
import { MOE_COLUMNS, type MoeReadOptions, type TraceChecker } from './checker.js';
import type { MoeColumnSink, MoeRow } from './types.js';

const CHUNK = 1 << 20;
/**
 * Rows parsed per refill: the simulator reads a few tokens ahead, so a batch's rows die young,
 * where a whole chunk's (~35k) would outlive young-generation collections and be promoted.
 */
const BATCH = 1024;
const NL = 10;
const COMMA = 44;
const BAR = 124;
const DOT = 46;
const D0 = 48;
const D9 = 57;
/** Longest digit string parsed here: below 2^53, so the value is exact. */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);

// Column kinds, by header position.
const REQUEST = 0;
const TOKEN = 1;
const LAYER = 2;
const EXPERTS = 3;
const WEIGHTS = 4;
const PREDICTED = 5;
const ARRIVAL = 6;
const KIND: Record<string, number> = { request: REQUEST, token: TOKEN, layer: LAYER, experts: EXPERTS, weights: WEIGHTS, predicted: PREDICTED, arrival_s: ARRIVAL };

/** The csv-parse API behind its stream: `parse(buf, end, push, close)` runs synchronously. */
interface CsvApi {
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): CsvParseError | undefined;
  info: { lines: number };
}

export class MoeTraceReader implements IterableIterator<MoeRow> {
  /** Bytes of the file taken into rows so far (for progress). */
  bytesRead = 0;
  private fd = -1;
  private opened = false;
  private finished = false;
  private buf = Buffer.allocUnsafe(CHUNK);
  /** buf[start, end) is read and not yet parsed; buf[0] is at file offset `base`. */
  private start = 0;
  private end = 0;
  private base = 0;
  private fileEof = false;
  /** Lines before buf[start]. */
  private line = 0;
  /**
   * The batch parsed: a row the checks built (generic path, csv-parse) is an object here; a plain
   * line's row is `undefined` here and lives in the typed columns below, the next in order at `fr`
   * (no object, no arrays per row: nextColumns hands the cells over, next() builds the object).
   */
  private rows: (MoeRow | undefined)[] = [];
  /** Rows in the batch: rows[0, nRows) (the array is reused, not reallocated per batch). */
  private nRows = 0;
  private ri = 0;
  private nf = 0;
  private fr = 0;
  private readonly cReq = new Float64Array(BATCH);
  private readonly cTok = new Float64Array(BATCH);
  private readonly cLayer = new Float64Array(BATCH);
  /** NaN: no arrival on the row. */
  private readonly cArr = new Float64Array(BATCH);
  /** Row f's experts are cEx[cExS[f], cExS[f] + cExN[f]), its weights (if cHasW[f]) at the same indices of cW. */
  private readonly cExS = new Int32Array(BATCH);
  private readonly cExN = new Int32Array(BATCH);
  private readonly cHasW = new Uint8Array(BATCH);
  /** Predictions: cP[cPS[f], cPS[f] + cPN[f]); cPN[f] = -1 when the cell is empty. */
  private readonly cPS = new Int32Array(BATCH);
  private readonly cPN = new Int32Array(BATCH);
  private cEx: Float64Array = new Float64Array(4 * BATCH);
  private cW: Float64Array = new Float64Array(4 * BATCH);
  private cP: Float64Array = new Float64Array(4 * BATCH);
  /** Fill level of cEx/cW and cP this batch. */
  private exPos = 0;
  private pPos = 0;
  private header: string[] | undefined;
  private kinds: Int8Array = new Int8Array(0);
  /** The row the checks report on: only file and line are read. */
  private readonly at: CsvRow;
  private lastLine = 0;
  private api: CsvApi | null = null;
  /** Lines before the csv-parse fallback's first byte. */
  private apiLines = 0;
  private readonly result: IteratorResult<MoeRow> = { done: false, value: undefined as unknown as MoeRow };
  // the value of the cell just parsed (scan*); lists are gathered in scratch arrays, then copied
  // at their length (an array grown by push holds room for 16 or more)
  private num = 0;
  private nIds = 0;

  constructor(
    readonly file: string,
    private readonly opts: MoeReadOptions,
    private readonly check: TraceChecker,
  ) {
    this.at = { cells: {}, line: 0, file };
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<MoeRow> {
    if (!this.more()) return { done: true, value: undefined };
    // One result object for every row: the consumer reads `value` before calling next() again.
    const r = this.result as { done: boolean; value: MoeRow };
    const o = this.rows[this.ri];
    this.rows[this.ri++] = undefined;
    r.value = o ?? this.fastObject(this.fr++);
    return r;
  }

  /**
   * The next row as cells, without a row object (the simulator's feeder reads so): false at the
   * end. The lists are ranges of the reader's columns, valid during the call.
   */
  nextColumns(sink: MoeColumnSink): boolean {
    if (!this.more()) return false;
    const o = this.rows[this.ri];
    if (o !== undefined) {
      this.rows[this.ri++] = undefined;
      const p = o.predicted;
      sink.row(o.request, o.token, o.layer, o.arrival_s, o.experts, 0, o.experts.length, o.weights ?? null, p ?? null, 0, p ? p.length : -1);
      return true;
    }
    this.ri++;
    const f = this.fr++;
    const s = this.cExS[f]!;
    const a = this.cArr[f]!;
    const ps = this.cPS[f]!;
    const pn = this.cPN[f]!;
    sink.row(this.cReq[f]!, this.cTok[f]!, this.cLayer[f]!, a === a ? a : undefined, this.cEx, s, s + this.cExN[f]!, this.cHasW[f] ? this.cW : null, pn >= 0 ? this.cP : null, ps, pn >= 0 ? ps + pn : -1);
    return true;
  }

  /** Whether a row is ready at `ri` (refilling as needed); at the end, closes the file. */
  private more(): boolean {
    if (this.ri < this.nRows) return true;
    if (!this.opened) this.open();
    while (this.ri >= this.nRows && !this.finished) this.refill();
    if (this.ri < this.nRows) return true;
    this.close();
    return false;
  }

  /** The object of column row f, as the checks would build it (every key present). */
  private fastObject(f: number): MoeRow {
    const s = this.cExS[f]!;
    const n = this.cExN[f]!;
    const experts = listOf(this.cEx, s, n);
    const weights = this.cHasW[f] ? listOf(this.cW, s, n) : undefined;
    const pn = this.cPN[f]!;
    const predicted = pn >= 0 ? listOf(this.cP, this.cPS[f]!, pn) : undefined;
    const a = this.cArr[f]!;
    return { request: this.cReq[f]!, token: this.cTok[f]!, layer: this.cLayer[f]!, experts, weights, predicted, arrival_s: a === a ? a : undefined };
  }

  return(): IteratorResult<MoeRow> {
    this.finished = true;
    this.close();
    return { done: true, value: undefined };
  }

  private open(): void {
    this.opened = true;
    const o = this.opts;
    if (o.topK !== undefined && o.experts !== undefined && o.topK > o.experts) {
      throw new InputError(`top-k ${o.topK} is larger than the model's expert count ${o.experts}`, { file: this.file });
    }
    try {
      this.fd = openSync(this.file, 'r');
    } catch (e) {
      this.cannotRead(e);
    }
  }

  private cannotRead(e: unknown): never {
    this.finished = true;
    this.close();
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot read trace (${err.code ?? err.message})`, { file: this.file });
  }

  private close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Read the next chunk after what is left unparsed; false at the end of the file. */
  private read(): boolean {
    if (this.fileEof) return false;
    const left = this.end - this.start;
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.base += this.start;
      this.start = 0;
      this.end = left;
    }
    if (this.buf.length - this.end < CHUNK / 2) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    let n: number;
    try {
      n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
    } catch (e) {
      this.cannotRead(e);
    }
    if (n === 0) {
      this.fileEof = true;
      return false;
    }
    this.end += n;
    return true;
  }

  /** Parse up to BATCH rows of what is read into `rows` (possibly none: then read on); at the end, the last checks. */
  private refill(): void {
    this.nRows = 0;
    this.ri = 0;
    this.nf = 0;
    this.fr = 0;
    this.exPos = 0;
    this.pPos = 0;
    if (this.api) return this.refillCsv();
    const buf = this.buf;
    let s = this.start;
    for (;;) {
      if (this.nRows >= BATCH) break;
      const nl = buf.indexOf(NL, s);
      if (nl < 0 || nl >= this.end) break;
      // A line the bytes path cannot take: csv-parse from here on.
      if (!this.line_(s, nl)) {
        this.start = s;
        return this.toCsv();
      }
      s = nl + 1;
      this.line++;
    }
    this.start = s;
    this.bytesRead = this.base + s;
    if (this.nRows > 0) return;
    if (this.end - s > MAX_RECORD_BYTES / 2) return this.toCsv(); // a line near csv-parse's limit: it decides
    if (this.read()) return;
    // End of file: a last line without a newline, then the end checks.
    if (this.end > this.start) {
      if (!this.line_(this.start, this.end)) return this.toCsv();
      this.line++;
      this.start = this.end;
      this.bytesRead = this.base + this.end;
    }
    this.atEnd();
  }

  private atEnd(): void {
    this.finished = true;
    this.close();
    if (!this.header) throw new InputError(`empty file: expected a header with columns ${MOE_COLUMNS.required.join(',')}`, { file: this.file });
    if (this.lastLine > 0) {
      this.at.line = this.lastLine;
      this.check.end(this.at);
    }
  }

  /** One line buf[s, e): false if it is not plain (the csv-parse path takes it). */
  private line_(s: number, e: number): boolean {
    const buf = this.buf;
    if (s === 0 && this.base === 0 && e >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
      if (this.header) return false;
      s = 3; // the byte-order mark csv-parse's `bom` option drops
    }
    if (s === e) return true; // an empty line
    if (e - s > MAX_RECORD_BYTES / 2) return false; // near csv-parse's limit: it decides
    const lineNo = this.line + 1;
    if (!this.header) return this.headerLine(s, e);
    if (this.fastRow(s, e, lineNo)) {
      this.rows[this.nRows++] = undefined;
      this.lastLine = lineNo;
      return true;
    }
    // Not plain digits, or a check failed: check the cells as the csv-parse reader does.
    if (!plain(buf, s, e)) return false;
    const record = buf.toString('latin1', s, e).split(',').map((c) => c.trim());
    if (record.length === 1 && record[0] === '') return true; // spaces only: csv-parse skips it as empty
    this.rows[this.nRows++] = this.record(record, lineNo);
    return true;
  }

  private headerLine(s: number, e: number): boolean {
    if (!plain(this.buf, s, e)) return false;
    const cols = this.buf.toString('latin1', s, e).split(',').map((c) => c.trim());
    if (cols.length === 1 && cols[0] === '') return true; // spaces only: csv-parse skips it as empty
    this.header = checkHeader(cols, MOE_COLUMNS, this.file);
    this.kinds = Int8Array.from(cols, (c) => KIND[c]!);
    return true;
  }

  /** A record (cells already split and trimmed) through the generic checks: the row or the error. */
  private record(record: string[], lineNo: number): MoeRow {
    const header = this.header!;
    if (record.length !== header.length) {
      const { message, field } = csvMessage({ code: 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH', message: '', record }, header);
      throw new InputError(message, { file: this.file, line: lineNo, field });
    }
    this.lastLine = lineNo;
    return this.check.row(csvRow(record, header, this.file, lineNo));
  }

  /**
   * A row of plain cells, checked (the same checks, in any order: a failure returns false and the
   * generic path finds and reports it), into the columns at nf; false when anything is not plain.
   */
  private fastRow(s: number, e: number, lineNo: number): boolean {
    const buf = this.buf;
    const kinds = this.kinds;
    const check = this.check;
    const maxExpert = check.maxExpert ?? Infinity;
    // A list of a line this long has at most this many entries.
    const room = ((e - s) >> 1) + 1;
    if (this.exPos + room > this.cEx.length) this.growEx(this.exPos + room);
    if (this.pPos + room > this.cP.length) this.cP = grown(this.cP, this.pPos + room);
    const f = this.nf;
    const ex0 = this.exPos;
    let request = -1;
    let token = -1;
    let layer = -1;
    let nEx = -1;
    let nW = -1;
    let nP = -1;
    let arrival: number | undefined;
    let p = s;
    for (let c = 0; c < kinds.length; c++) {
      if (c > 0) {
        if (p >= e || buf[p] !== COMMA) return false;
        p++;
      }
      const empty = p >= e || buf[p] === COMMA;
      switch (kinds[c]) {
        case REQUEST:
          if ((p = this.scanInt(p, e)) < 0) return false;
          request = this.num;
          break;
        case TOKEN:
          if ((p = this.scanInt(p, e)) < 0) return false;
          token = this.num;
          break;
        case LAYER:
          if ((p = this.scanInt(p, e)) < 0) return false;
          layer = this.num;
          break;
        case EXPERTS:
          if (empty) return false;
          if ((p = this.scanIds(p, e, maxExpert, this.cEx, ex0)) < 0) return false;
          nEx = this.nIds;
          break;
        case PREDICTED:
          if (empty) break;
          if ((p = this.scanIds(p, e, maxExpert, this.cP, this.pPos)) < 0) return false;
          nP = this.nIds;
          break;
        case WEIGHTS: {
          if (empty) break;
          const w = this.cW;
          let nw = 0;
          let sum = 0;
          for (;;) {
            if ((p = this.scanNum(p, e)) < 0) return false;
            w[ex0 + nw++] = this.num;
            sum += this.num;
            if (p < e && buf[p] === BAR) p++;
            else break;
          }
          if (!(sum > 0)) return false;
          nW = nw;
          break;
        }
        case ARRIVAL:
          if (empty) break;
          if ((p = this.scanNum(p, e)) < 0) return false;
          arrival = this.num;
          break;
      }
    }
    if (p !== e || nEx < 0) return false;
    const L = check.layers;
    if (L !== undefined && layer > L - 1) return false;
    if (nW >= 0 && nW !== nEx) return false;
    this.at.line = lineNo;
    check.order(this.at, request, token, layer, arrival);
    this.cReq[f] = request;
    this.cTok[f] = token;
    this.cLayer[f] = layer;
    this.cArr[f] = arrival ?? NaN;
    this.cExS[f] = ex0;
    this.cExN[f] = nEx;
    this.cHasW[f] = nW >= 0 ? 1 : 0;
    this.cPS[f] = this.pPos;
    this.cPN[f] = nP;
    this.exPos = ex0 + nEx;
    if (nP > 0) this.pPos += nP;
    this.nf = f + 1;
    return true;
  }

  private growEx(n: number): void {
    this.cEx = grown(this.cEx, n);
    this.cW = grown(this.cW, n);
  }

  /** Digits at p: sets `num`, returns the position after them, or -1. */
  private scanInt(p: number, e: number): number {
    const buf = this.buf;
    let v = 0;
    const p0 = p;
    while (p < e) {
      const b = buf[p]!;
      if (b < D0 || b > D9) break;
      v = v * 10 + (b - D0);
      p++;
    }
    if (p === p0 || p - p0 > MAX_DIGITS) return -1;
    this.num = v;
    return p;
  }

  /** `d[.d]`: sets `num` to exactly what Number() gives (an integer below 2^53 over a power of ten is correctly rounded), or -1. */
  private scanNum(p: number, e: number): number {
    const buf = this.buf;
    let m = 0;
    let digits = 0;
    let frac = -1;
    const p0 = p;
    while (p < e) {
      const b = buf[p]!;
      if (b >= D0 && b <= D9) {
        m = m * 10 + (b - D0);
        digits++;
        if (frac >= 0) frac++;
      } else if (b === DOT && frac < 0 && p > p0) frac = 0;
      else break;
      p++;
    }
    if (digits === 0 || digits > MAX_DIGITS || frac === 0) return -1;
    this.num = frac > 0 ? m / POW10[frac]! : m;
    return p;
  }

  /** `id|id|...`, each at most `max` and none twice, into ids[o, o + nIds); -1 otherwise. */
  private scanIds(p: number, e: number, max: number, ids: Float64Array, o: number): number {
    let n = 0;
    for (;;) {
      if ((p = this.scanInt(p, e)) < 0) return -1;
      const v = this.num;
      if (v > max) return -1;
      for (let i = 0; i < n; i++) if (ids[o + i] === v) return -1;
      ids[o + n++] = v;
      this.nIds = n;
      if (p < e && this.buf[p] === BAR) p++;
      else return p;
    }
  }

  // --- csv-parse from a line on -------------------------------------------------------------

  /** Parse from buf[start] to the end of the file with csv-parse (what is left of it). */
  private toCsv(): void {
    const atFileStart = this.base + this.start === 0;
    // Past the first line, the line ends are known: csv-parse found '\n' on the first line (its
    // auto-detection keeps the first kind it meets), and the lines read so far all ended so.
    const opts = atFileStart ? csvParseOptions(true) : { ...csvParseOptions(false), record_delimiter: '\n' };
    this.api = (parse(opts) as unknown as { api: CsvApi }).api;
    this.apiLines = this.line;
    this.refillCsv();
  }

  private refillCsv(): void {
    const api = this.api!;
    const push = (record: string[]) => {
      const lineNo = this.apiLines + api.info.lines;
      if (!this.header) {
        if (record.some((c) => c.includes('\uFFFD'))) {
          throw new InputError('invalid UTF-8 in the header', { file: this.file, line: 1, field: `column ${record.findIndex((c) => c.includes('\uFFFD')) + 1}` });
        }
        this.header = checkHeader(record, MOE_COLUMNS, this.file);
        return;
      }
      this.rows[this.nRows++] = this.record(record, lineNo);
    };
    const close = () => {};
    const chunk = this.end > this.start ? this.buf.subarray(this.start, this.end) : undefined;
    this.start = this.end;
    const last = !chunk && !this.read();
    let err: CsvParseError | undefined;
    try {
      err = chunk ? api.parse(Buffer.from(chunk), false, push, close) : last ? api.parse(undefined, true, push, close) : undefined;
    } catch (e) {
      if (e instanceof InputError) this.finished = true;
      throw e;
    }
    if (err) {
      this.finished = true;
      this.close();
      const { message, field } = csvMessage(err, this.header ?? MOE_COLUMNS.required);
      throw new InputError(message, { file: this.file, line: this.apiLines + (err.lines ?? 0), field: this.header ? field : 'header' });
    }
    this.bytesRead = this.base + this.start;
    if (last) this.atEnd();
  }
}

/** Bytes the bytes path reads as csv-parse would: printable ASCII without quotes. */
function plain(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b < 0x20 || b > 0x7e || b === 0x22) return false;
  }
  return true;
}

/** A copy of a[s, s + n) as a plain array (the rows the checks build hold plain arrays). */
function listOf(a: Float64Array, s: number, n: number): number[] {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = a[s + i]!;
  return out;
}

/** `a` copied into a Float64Array of at least n entries. */
function grown(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}
