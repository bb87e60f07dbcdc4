/** Eviction policies for the host and GPU LoRA caches and the ControlNet caches, by name. */
import type { EvictionFactory } from '../../types.js';
import { lfu } from './lfu.js';
import { lru } from './lru.js';

export const evictionPolicies = { lru, lfu } as const satisfies Record<string, EvictionFactory>;
export type EvictionName = keyof typeof evictionPolicies;
