/**
 * Least frequently used, with use counts that outlive eviction (a popular LoRA evicted once returns
 * with its count, which suits Zipf popularity) and least-recent use breaking ties. A binary heap
 * on (count, last use) with lazy deletion: stale heap entries are skipped when they surface.
 */
import type { EvictionPolicy } from '../../types.js';

interface Item {
  key: string;
  count: number;
  seq: number;
}

export function lfu(): EvictionPolicy {
  const counts = new Map<string, number>();
  /** Resident keys -> their live heap item. */
  const live = new Map<string, Item>();
  const heap: Item[] = [];
  let seq = 0;

  const less = (a: Item, b: Item) => a.count < b.count || (a.count === b.count && a.seq < b.seq);
  const push = (it: Item) => {
    let i = heap.length;
    heap.push(it);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(it, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = it;
  };
  const pop = (): Item | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
    return top;
  };
  const use = (key: string) => {
    const it = { key, count: (counts.get(key) ?? 0) + 1, seq: seq++ };
    counts.set(key, it.count);
    live.set(key, it);
    push(it);
    // Stale entries pile up with hits; rebuild when they dominate so memory stays bounded.
    if (heap.length > 64 && heap.length > 4 * live.size) {
      heap.length = 0;
      for (const v of live.values()) push(v);
    }
  };

  return {
    insert: use,
    touch: use,
    remove(key) {
      live.delete(key);
    },
    victim(evictable) {
      const skipped: Item[] = [];
      let found: Item | undefined;
      for (let it = pop(); it !== undefined; it = pop()) {
        if (live.get(it.key) !== it) continue; // stale
        skipped.push(it);
        if (evictable(it.key)) {
          found = it;
          break;
        }
      }
      for (const it of skipped) push(it);
      return found?.key;
    },
  };
}
