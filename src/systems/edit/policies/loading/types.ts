/**
 * How a step's cached activations reach the GPU. The step's blocks come as runs of identical
 * blocks (RunPrices: per run n blocks, l to load the batch's cache for one block over PCIe, c to
 * compute its masked tokens once loaded, f to recompute it over every token with nothing to load).
 * A policy sets recompute[i], how many leading blocks of run i recompute (the rest load; see
 * plan.ts for why a prefix suffices), and says whether the copy stream overlaps compute.
 */
import type { RunPrices } from '../../plan.js';

export interface LoadingPolicy {
  /** Loads run on a copy stream beside compute (else each load precedes its block's compute). */
  readonly overlapped: boolean;
  /** Decisions depend on the prices (worth memoising per batch shape). */
  readonly adaptive: boolean;
  decide(prices: RunPrices, recompute: Int32Array): void;
}
export type LoadingFactory = () => LoadingPolicy;
