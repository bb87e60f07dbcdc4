/**
 * The `moe` trace kind: routing traces `request,token,layer,experts[,weights][,predicted][,arrival_s]`
 * (see traces/moe.schema.md). Reader, generator, writer and statistics behind TraceKindModule.
 */
import type { TraceKindModule, TraceStats } from '../types.js';
import { MOE_HEADER, moeRowToCsv } from './format.js';
import { generateMoeRows, moeGenSchema, type MoeGenInput } from './generator.js';
import { MOE_COLUMNS, moeTraceRows, readMoeTrace, type MoeReadOptions } from './reader.js';
import { RoutingStats } from './stats.js';
import type { MoeRow } from './types.js';

export type { MoeRow } from './types.js';
export { MOE_COLUMNS, moeTraceRows, readMoeTrace, readMoeTraceCsv, type MoeReadOptions } from './reader.js';
export { MOE_HEADER, moeRowToCsv } from './format.js';
export {
  generateMoeRows,
  moeGenSchema,
  routingShape,
  copyProbabilityFor,
  alphaForEntropy,
  dirichletEntropy,
  type MoeGenParams,
  type MoeGenInput,
} from './generator.js';
export { RoutingStats } from './stats.js';
export { synthPrediction } from './predictor.js';

export const moeTrace: TraceKindModule<MoeRow, MoeGenInput> = {
  kind: 'moe',
  columns: MOE_COLUMNS,
  read: (file, opts) => readMoeTrace(file, opts as MoeReadOptions | undefined),
  genSchema: moeGenSchema,
  generate: (params, seed) => generateMoeRows(params, seed),
  header: () => MOE_HEADER,
  toCsv: moeRowToCsv,
  async inspect(file: string, opts?: MoeReadOptions & { topK?: number }): Promise<TraceStats> {
    const stats = new RoutingStats(opts?.topK);
    for (const row of moeTraceRows(file, opts)) stats.add(row);
    return stats.summary();
  },
};
