/**
 * Least frequently used: evict the candidate routed to least often so far (ties: least recent).
 * `lfu_counts: decode` counts decode routings only; `all` also counts each prefill's tokens per
 * expert (so a long prompt's experts start popular), as a cache that counts every forward pass does.
 */
import type { EvictionFactory } from '../../types.js';

export const lfu: EvictionFactory = (cfg) => {
  const withPrefill = cfg.lfu_counts === 'all';
  return {
    victim(view, candidates, n) {
      const counts = withPrefill ? view.countsWithPrefill : view.counts;
      let best = -1;
      let bestC = Infinity;
      let bestT = Infinity;
      for (let i = 0; i < n; i++) {
        const k = candidates[i]!;
        const c = counts[k]!;
        const t = view.lastUse[k]!;
        if (c < bestC || (c === bestC && t < bestT)) {
          bestC = c;
          bestT = t;
          best = k;
        }
      }
      return best;
    },
  };
};
