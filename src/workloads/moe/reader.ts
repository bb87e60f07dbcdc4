/**
 * Streaming reader of MoE routing traces: the file is read a chunk at a time and its rows parsed
 * and checked one at a time, so a trace of any length is never held whole. Every problem is an
 * InputError naming file, line and field. Structural rules checked:
 *  - ids in range (expert ids < the model's expert count when known), no duplicate experts in a row;
 *  - `weights` (if any) one non-negative value per expert, not all zero;
 *  - a request's rows contiguous; tokens consecutive; layers 0..L-1 in order within each token
 *    (L from the model when given, else from the first token); the file does not end mid-token;
 *  - `arrival_s` only on a request's first row, on every request or none, non-decreasing.
 */
import { InputError } from '../../errors.js';
import { readCsv, type CsvRow } from '../csv.js';
import { MOE_COLUMNS, TraceChecker, type MoeReadOptions } from './checker.js';
import { MoeTraceReader } from './fast-reader.js';
import type { MoeRow } from './types.js';

export { MOE_COLUMNS, type MoeReadOptions } from './checker.js';

/**
 * The rows of a trace, read synchronously a chunk at a time (MoeTraceReader: plain lines parsed
 * from the bytes, anything else through csv-parse). What the simulator replays.
 */
export function moeTraceRows(file: string, opts: MoeReadOptions = {}): MoeTraceReader {
  return new MoeTraceReader(file, opts, new TraceChecker(opts));
}

/** moeTraceRows as an async iterable (for callers that also take other async sources). */
export async function* readMoeTrace(file: string, opts: MoeReadOptions = {}): AsyncGenerator<MoeRow> {
  yield* moeTraceRows(file, opts);
}

/**
 * The same rows through csv-parse's streaming parser and the generic cell parsers: the reference
 * the fast reader is tested against (same rows, same errors).
 */
export async function* readMoeTraceCsv(file: string, opts: MoeReadOptions = {}): AsyncGenerator<MoeRow> {
  if (opts.topK !== undefined && opts.experts !== undefined && opts.topK > opts.experts) {
    throw new InputError(`top-k ${opts.topK} is larger than the model's expert count ${opts.experts}`, { file });
  }
  const check = new TraceChecker(opts);
  let last: CsvRow | undefined;
  for await (const row of readCsv(file, MOE_COLUMNS)) {
    last = row;
    yield check.row(row);
  }
  if (last) check.end(last);
}

