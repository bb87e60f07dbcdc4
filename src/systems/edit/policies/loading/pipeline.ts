/**
 * InstGenIE's bubble-free pipeline: loads overlap compute, and a dynamic program over blocks picks
 * per block load-and-compute-masked or recompute-in-full, whichever schedule finishes first.
 */
import { planRuns } from '../../plan.js';
import type { LoadingPolicy } from './types.js';

export const pipelineLoading = (): LoadingPolicy => ({
  overlapped: true,
  adaptive: true,
  decide: (p, r) => {
    planRuns(p, r);
  },
});
