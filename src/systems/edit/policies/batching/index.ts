import { continuousBatching } from './continuous.js';
import { staticBatching } from './static.js';
import type { BatchingFactory } from './types.js';

export const BATCHING_POLICIES = {
  static: staticBatching,
  continuous: continuousBatching,
} as const satisfies Record<string, BatchingFactory>;

export type BatchingPolicyName = keyof typeof BATCHING_POLICIES;
export type { BatchingPolicy, BatchingFactory } from './types.js';
