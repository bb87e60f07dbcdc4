/**
 * What every trace kind provides, so the CLI's `trace gen|inspect|check` and the runner treat the
 * three kinds alike. Rows are plain objects; readers stream and validate (InputError with file,
 * line, field); generators are lazy iterables driven by a seeded Rng.
 */
import type { ZodType } from 'zod';

export type TraceKind = 'moe' | 'edit' | 't2i';

/** Summary statistics of a trace for `servesim trace inspect` (numbers or short strings). */
export type TraceStats = Record<string, number | string>;

export interface TraceKindModule<Row, GenParams> {
  kind: TraceKind;
  /** CSV header columns: required first, then optional. */
  columns: { required: readonly string[]; optional: readonly string[] };
  /** Stream and validate a trace file. */
  read(file: string, opts?: Record<string, unknown>): AsyncIterable<Row>;
  /** Generator parameters (zod, with defaults from the source papers). */
  genSchema: ZodType<GenParams, any>;
  /** Lazily generate rows. */
  generate(params: GenParams, seed: number): Iterable<Row>;
  /** The CSV header line and one CSV line per row (no newline). */
  header(): string;
  toCsv(row: Row): string;
  /** Statistics for `trace inspect`. */
  inspect(file: string): Promise<TraceStats>;
}
