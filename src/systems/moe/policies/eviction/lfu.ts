/** Least frequently used: evict the candidate routed to least often so far (ties: least recent). */
import type { EvictionFactory } from '../../types.js';

export const lfu: EvictionFactory = () => ({
  victim(view, candidates, n) {
    let best = -1;
    let bestC = Infinity;
    let bestT = Infinity;
    for (let i = 0; i < n; i++) {
      const k = candidates[i]!;
      const c = view.counts[k]!;
      const t = view.lastUse[k]!;
      if (c < bestC || (c === bestC && t < bestT)) {
        bestC = c;
        bestT = t;
        best = k;
      }
    }
    return best;
  },
});
