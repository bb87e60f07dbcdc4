/** Least recently used: a Map kept in use order (re-inserted on every touch). */
import type { EvictionPolicy } from '../../types.js';

export function lru(): EvictionPolicy {
  const order = new Map<string, true>();
  return {
    insert(key) {
      order.delete(key);
      order.set(key, true);
    },
    touch(key) {
      order.delete(key);
      order.set(key, true);
    },
    remove(key) {
      order.delete(key);
    },
    victim(evictable) {
      for (const k of order.keys()) if (evictable(k)) return k;
      return undefined;
    },
  };
}
