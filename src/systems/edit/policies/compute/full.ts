/** Baseline: denoise every token of the image; no cached activations, so nothing is loaded. */
import type { ComputePolicy } from './types.js';

export const fullCompute = (): ComputePolicy => ({ usesCache: false });
