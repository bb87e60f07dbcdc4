/** The t2i trace kind: text-to-image requests with LoRA and ControlNet add-ons. */
import type { TraceKindModule } from '../types.js';
import { generateT2i, t2iGenSchema, type T2iGenParams } from './generator.js';
import { inspectT2i } from './inspect.js';
import { readT2i, T2I_COLUMNS } from './reader.js';
import type { T2iRow } from './row.js';
import { t2iHeader, t2iToCsv } from './writer.js';

export const t2iTrace: TraceKindModule<T2iRow, T2iGenParams> = {
  kind: 't2i',
  columns: T2I_COLUMNS,
  read: (file) => readT2i(file),
  genSchema: t2iGenSchema,
  generate: (params, seed) => generateT2i(params, seed),
  header: t2iHeader,
  toCsv: t2iToCsv,
  inspect: inspectT2i,
};

export type { T2iRow } from './row.js';
export { MAX_CONTROLNETS, MAX_LORAS, mixKey } from './row.js';
export type { T2iGenParams } from './generator.js';
export { t2iGenSchema, generateT2i } from './generator.js';
export { readT2i, T2I_COLUMNS } from './reader.js';
