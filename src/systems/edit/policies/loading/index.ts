import { overlapLoading } from './overlap.js';
import { pipelineLoading } from './pipeline.js';
import { sequentialLoading } from './sequential.js';
import type { LoadingFactory } from './types.js';

export const LOADING_POLICIES = {
  sequential: sequentialLoading,
  overlap: overlapLoading,
  pipeline: pipelineLoading,
} as const satisfies Record<string, LoadingFactory>;

export type LoadingPolicyName = keyof typeof LOADING_POLICIES;
export type { LoadingPolicy, LoadingFactory } from './types.js';
