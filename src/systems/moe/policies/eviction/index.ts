/** Eviction policies by name; the key is the name a scenario uses. */
import type { EvictionFactory } from '../../types.js';
import { lru } from './lru.js';
import { lfu } from './lfu.js';
import { pinned } from './pinned.js';
import { belady } from './belady.js';
import { random } from './random.js';

export const EVICTION_POLICIES = {
  lru,
  lfu,
  pinned,
  belady,
  random,
} as const satisfies Record<string, EvictionFactory>;
