/**
 * Popularity-pinned: the `pin_fraction` of each cache's slots that belong to its most used experts
 * so far are never evicted; the rest is LRU. The pinned set follows the counts, recomputed once per
 * step (they move slowly).
 */
import type { EvictionFactory } from '../../types.js';
import { leastRecent } from './lru.js';

export const pinned: EvictionFactory = (cfg) => {
  /** Per partition (by its first key): the count an expert must exceed to be pinned, and when computed. */
  const threshold = new Map<number, { clock: number; min: number; pins: number }>();
  const scratch: number[] = [];
  const free: number[] = [];
  return {
    victim(view, candidates, n, incoming) {
      const keys = view.partitionKeys(incoming);
      const pins = Math.floor(cfg.pin_fraction * view.capacityOf(incoming));
      if (pins === 0) return leastRecent(view, candidates, n);
      let th = threshold.get(keys[0]!);
      if (!th || th.clock !== view.clock) {
        scratch.length = 0;
        for (const k of keys) scratch.push(view.counts[k]!);
        scratch.sort((a, b) => b - a);
        th = { clock: view.clock, min: scratch[Math.min(pins, scratch.length) - 1]!, pins };
        threshold.set(keys[0]!, th);
      }
      // Pinned: the `pins` most used keys; among equal counts at the boundary, the lower key wins.
      let above = 0;
      for (const k of keys) if (view.counts[k]! > th.min) above++;
      let boundaryLeft = pins - above;
      const pinnedAtBoundary = new Set<number>();
      for (const k of keys) {
        if (boundaryLeft <= 0) break;
        if (view.counts[k] === th.min) {
          pinnedAtBoundary.add(k);
          boundaryLeft--;
        }
      }
      free.length = 0;
      for (let i = 0; i < n; i++) {
        const k = candidates[i]!;
        const c = view.counts[k]!;
        if (c > th.min || pinnedAtBoundary.has(k)) continue;
        free.push(k);
      }
      // Every candidate pinned (the cache holds only pinned experts): fall back to LRU over all.
      return free.length ? leastRecent(view, free, free.length) : leastRecent(view, candidates, n);
    },
  };
};
