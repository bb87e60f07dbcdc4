/** Load each block's cache, then compute it: the copy and compute streams take turns (bubbles). */
import type { LoadingPolicy } from './types.js';

export const sequentialLoading = (): LoadingPolicy => ({
  overlapped: false,
  adaptive: false,
  decide: (_p, r) => r.fill(0),
});
