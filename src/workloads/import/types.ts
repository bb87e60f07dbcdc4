/** The shape every trace importer shares (`servesim trace import FORMAT FILE --out FILE`). */
import type { TraceKind } from '../types.js';
import type { EditSynthOptions, T2iSynthOptions } from './synth.js';
import type { TimeUnit } from './time.js';

export interface ImportOptions extends Partial<EditSynthOptions>, Partial<T2iSynthOptions> {
  /** Output file, `-` for stdout. */
  out: string;
  /** Rescale arrivals to this mean rate (requests/s). */
  rps?: number;
  /** Seed for columns the source lacks. */
  seed: number;
  /** Target kind where a format can become more than one (azure-llm: edit or t2i). */
  kind?: TraceKind;
  /** Numeric timestamps are in this unit. */
  timeUnit: TimeUnit;
  /** Keep only the first N requests (by arrival). */
  limit?: number;
  /** routing-lines: MoE layers per token (lines per token). */
  layers?: number;
  /** routing-lines: experts per layer (default: largest id + 1). */
  experts?: number;
  /** gentd26-lora: keep only rows with this predict_status. */
  status?: string;
}

export interface ImportSummary {
  format: string;
  kind: TraceKind;
  rows: number;
  requests: number;
  out: string;
  /** What was synthesised or dropped, for the user to know. */
  notes: string[];
}

export interface Importer {
  /** One line for --help. */
  description: string;
  kinds: readonly TraceKind[];
  run(file: string, opts: ImportOptions): Promise<ImportSummary>;
}
