/** The t2i system's work model, for the estimate before a run (see WorkModel). */
import { resolve } from 'node:path';
import { t2iGenSchema } from '../../workloads/t2i/generator.js';
import { traceSize } from '../../workloads/size.js';
import type { WorkModel } from '../types.js';
import { t2iWorkloadSchema } from './schemas.js';

export const t2iWork: WorkModel = {
  unit: 'request',
  field: 'workload.generator.requests',
  units(workload, baseDir) {
    const w = t2iWorkloadSchema.safeParse(workload);
    if (!w.success) return undefined;
    if (w.data.trace !== undefined) return traceSize(resolve(baseDir, w.data.trace))?.rows;
    const g = t2iGenSchema.safeParse(w.data.generator ?? {});
    if (!g.success) return undefined;
    // duration_s stops the generator early: about rps x duration requests.
    return g.data.duration_s !== undefined ? Math.min(g.data.requests, Math.ceil(g.data.rps * g.data.duration_s)) : g.data.requests;
  },
  // t2i-remedies, one run at 20k vs 200k requests (2026-12-07, this 2-vCPU VM): 12-15 us a request
  // marginal; docs/performance.md: 550k requests on 8 H800 in 16-20 s (29-36 us). The shipped
  // scenarios' runs (1-3k requests) take 100-330 us a request: a set-up of about 0.2 s a run.
  secondsPerUnit: 3e-5,
  secondsPerRun: 0.2,
  // Peak RSS of one t2i-remedies run at 20k vs 200k requests (baseline: 190 vs 370 MB; all
  // remedies: 176 vs 330 MB), 2026-12-07: 850-1000 bytes a request.
  bytesPerUnit: 1000,
  source: 'measured on the shipped t2i scenarios',
};
