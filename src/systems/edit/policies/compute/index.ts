import { fullCompute } from './full.js';
import { maskedCompute } from './masked.js';
import type { ComputeFactory } from './types.js';

export const COMPUTE_POLICIES = {
  full: fullCompute,
  masked: maskedCompute,
} as const satisfies Record<string, ComputeFactory>;

export type ComputePolicyName = keyof typeof COMPUTE_POLICIES;
export type { ComputePolicy, ComputeFactory } from './types.js';
