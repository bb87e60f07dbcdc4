/**
 * Host (Python / PyTorch eager) time per op, shared by the systems that price a stack's
 * framework overhead from op counts read in its code (moe: the scenarios' layer/expert/step
 * overheads; edit: `model.host`, src/systems/edit/host.ts).
 *
 * 15 us of CPU per eager PyTorch op, from PyTorch's own measurement: gpt-fast's Llama-2-7B decodes
 * at 25.5 tokens/s in eager mode on an A100 and is "heavily CPU overhead bound"
 * (pytorch.org/blog/accelerating-generative-ai-2), i.e. 1 / 25.5 = 39.2 ms a token for the ~2,590
 * ops its model.py runs per token: 32 layers x 80 (two 8-op RMSNorms, 57 attention ops with two
 * 20-op rotary embeddings, 5 MLP ops, 2 residual adds) + ~30 outside the layers. 39.2 ms / 2,590 =
 * 15.1 us. Ops are counted the same way wherever this constant is used: every tensor call the
 * Python code makes (views, slices and casts included), each at the same average cost.
 */
export const EAGER_OP_SECONDS = 15e-6;

/**
 * How a stack's host time meets the GPU work it issues. `serial`: added to the GPU job, as if
 * every op waited for the one before it. `overlapped`: the host issues the job's kernels
 * asynchronously and waits for the GPU only where it synchronises, so the job takes the longer of
 * the two (a lower bound: each kernel can start only once issued).
 */
export type HostOverlap = 'serial' | 'overlapped';

/** Seconds of a job of `gpu` seconds of GPU work whose ops take `host` seconds to issue. */
export function jobSeconds(gpu: number, host: number, mode: HostOverlap): number {
  return mode === 'overlapped' ? Math.max(gpu, host) : gpu + host;
}
