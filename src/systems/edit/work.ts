/** The edit system's work model, for the estimate before a run (see WorkModel). */
import { resolve } from 'node:path';
import { editGenSchema } from '../../workloads/edit/generate.js';
import { traceSize } from '../../workloads/size.js';
import type { WorkModel } from '../types.js';
import { editWorkloadSchema } from './types.js';

export const editWork: WorkModel = {
  unit: 'request',
  field: 'workload.generator.requests',
  units(workload, baseDir) {
    const w = editWorkloadSchema.safeParse(workload);
    if (!w.success) return undefined;
    if (w.data.trace !== undefined) return traceSize(resolve(baseDir, w.data.trace))?.rows;
    const g = editGenSchema.safeParse(w.data.generator ?? {});
    return g.success ? g.data.requests : undefined;
  },
  // Wall per request of the shipped edit scenarios' runs (middle sweep point, one replication,
  // --jobs 1, 2026-12-07, this 2-vCPU VM): 2.0-6.8 ms under load (median 4.6), 0.3-1.8 ms idle
  // (quickstart); the per-run set-up is small next to 300+ requests of 50 steps.
  secondsPerUnit: 3e-3,
  secondsPerRun: 0.1,
  // docs/performance.md "Linear scaling": peak RSS grows about 65 bytes a request (the samples
  // behind exact percentiles).
  bytesPerUnit: 65,
  source: 'measured on the shipped edit scenarios',
};
