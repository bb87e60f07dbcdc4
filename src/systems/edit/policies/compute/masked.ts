/**
 * InstGenIE: compute only the masked tokens and reuse the template's cached activations for the
 * rest; the cache must be in host memory and is loaded to the GPU every step (or the block recomputed).
 */
import type { ComputePolicy } from './types.js';

export const maskedCompute = (): ComputePolicy => ({ usesCache: true });
