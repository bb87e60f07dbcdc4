/**
 * Belady's MIN: evict the candidate needed furthest in the future (ties: least recent). An optimal
 * bound for demand paging; the future is the simulator's lookahead window. A prefetch is declined
 * when every candidate is needed sooner than the expert it would bring in.
 */
import type { EvictionFactory } from '../../types.js';

export const belady: EvictionFactory = () => ({
  victim(view, candidates, n, incoming, demand) {
    let best = -1;
    let bestNext = -1;
    let bestT = Infinity;
    for (let i = 0; i < n; i++) {
      const k = candidates[i]!;
      const next = view.nextUse(k);
      const t = view.lastUse[k]!;
      if (next > bestNext || (next === bestNext && t < bestT)) {
        bestNext = next;
        bestT = t;
        best = k;
      }
    }
    if (!demand && best >= 0 && bestNext <= view.nextUse(incoming)) return -1;
    return best;
  },
});
