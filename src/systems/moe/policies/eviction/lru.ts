/** Least recently used: evict the candidate whose last use is oldest. */
import type { EvictionFactory, EvictionView } from '../../types.js';

export function leastRecent(view: EvictionView, candidates: readonly number[], n: number): number {
  let best = -1;
  let bestT = Infinity;
  for (let i = 0; i < n; i++) {
    const k = candidates[i]!;
    const t = view.lastUse[k]!;
    if (t < bestT) {
      bestT = t;
      best = k;
    }
  }
  return best;
}

export const lru: EvictionFactory = () => ({
  victim: (view, candidates, n) => leastRecent(view, candidates, n),
});
