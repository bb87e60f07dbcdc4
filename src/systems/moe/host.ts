/**
 * How a stack's host (Python) time combines with the GPU work it issues: the shared semantics of
 * src/cost/host.ts. For MoE stacks the job is a layer or a step: mixtral-offloading's
 * SparseMoeWrapper synchronises at `unique().tolist()` after the router and `top_x.tolist()`
 * before each expert (dvmazur/mixtral-offloading src/custom_layers.py), MoE-Infinity at
 * `wait_dispatch_local`, so between those points the host issues ahead of the GPU (`overlapped`).
 */
export { jobSeconds, type HostOverlap } from '../../cost/host.js';
