/** The moe system's work model, for the estimate before a run (see WorkModel). */
import { resolve } from 'node:path';
import { traceSize } from '../../workloads/size.js';
import type { WorkModel } from '../types.js';
import { moeWorkloadGeneratorSchema, moeWorkloadSchema } from './schemas.js';

export const moeWork: WorkModel = {
  unit: 'token',
  field: 'workload.generator.tokens',
  units(workload, baseDir) {
    const w = moeWorkloadSchema.safeParse(workload);
    if (!w.success) return undefined;
    let tokens: number | undefined;
    if (w.data.trace !== undefined) {
      // One row per (token, layer): a token is its layer-0 row.
      tokens = traceSize(resolve(baseDir, w.data.trace), (cells, header) => cells[header.indexOf('layer')] === '0')?.counted;
    } else {
      const g = moeWorkloadGeneratorSchema.safeParse(w.data.generator ?? {});
      tokens = g.success ? g.data.tokens : undefined;
    }
    return tokens !== undefined && w.data.max_tokens !== undefined ? Math.min(tokens, w.data.max_tokens) : tokens;
  },
  // docs/performance.md "Linear scaling": 53-98 us a decode token (Mixtral, LRU), marginal. The
  // shipped scenarios' runs (400 tokens, 2026-12-07, this 2-vCPU VM) take 0.2-0.5 s each: the
  // generator's calibration and buddy profiling, about 0.3 s a run.
  secondsPerUnit: 8e-5,
  secondsPerRun: 0.3,
  // docs/performance.md "Linear scaling": MoE peak RSS is flat in the tokens (per-request samples
  // only, a request being hundreds of tokens); 16 bytes a token bounds it.
  bytesPerUnit: 16,
  source: 'measured on the shipped moe scenarios',
};
