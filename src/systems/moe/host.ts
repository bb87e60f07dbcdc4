/**
 * How a stack's host (Python) time combines with the GPU work it issues.
 *
 * `serial` (the default): the host time is added to the GPU job, as if every op waited for the one
 * before it. `overlapped`: the host issues a job's kernels asynchronously while the GPU runs them,
 * and waits for the GPU only at the job's end - where the stack synchronises (mixtral-offloading's
 * SparseMoeWrapper: `unique().tolist()` after the router, `top_x.tolist()` before each expert,
 * dvmazur/mixtral-offloading src/custom_layers.py; MoE-Infinity's `wait_dispatch_local`). The job
 * then takes the longer of the two: a slow GPU hides the host's issue time, a fast one waits for
 * it. A lower bound on the real time (each kernel can start only once issued).
 */
export type HostOverlap = 'serial' | 'overlapped';

/** Seconds of a job of `gpu` seconds of GPU work whose ops take `host` seconds to issue. */
export function jobSeconds(gpu: number, host: number, mode: HostOverlap): number {
  return mode === 'overlapped' ? Math.max(gpu, host) : gpu + host;
}
