/**
 * Which CUDA stream a stack issues each kind of expert copy on (policy `copy_stream`):
 *  - `copy`: every copy on a copy stream, overlapping compute;
 *  - `compute`: every copy on the compute stream, serialised with the GPU work around it;
 *  - `demand-compute`: demand fetches on the compute stream (the layer needs the expert now, and
 *    a stack that copies on its current stream, as mixtral-offloading's ExpertCache._swap does,
 *    puts them there), speculative prefetches on a stream of their own so they overlap the
 *    current layer's compute (Eliseev & Mazur 2023, arXiv 2312.17238, Section 3.2: the next
 *    layer's guessed experts load "while the current layer is computed").
 */
export type CopyStreamMode = 'copy' | 'compute' | 'demand-compute';

/** Whether a copy of this kind holds the compute stream. */
export function copyOnComputeStream(mode: CopyStreamMode, prefetch: boolean): boolean {
  return mode === 'compute' || (mode === 'demand-compute' && !prefetch);
}
