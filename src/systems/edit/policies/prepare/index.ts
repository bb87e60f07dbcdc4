import { inlineInterruptionPrepare } from './inline-interruption.js';
import { inlinePrepare } from './inline.js';
import { overlapPrepare } from './overlap.js';
import type { PrepareFactory } from './types.js';

export const PREPARE_POLICIES = {
  inline: inlinePrepare,
  'inline-interruption': inlineInterruptionPrepare,
  overlap: overlapPrepare,
} as const satisfies Record<string, PrepareFactory>;

export type PreparePolicyName = keyof typeof PREPARE_POLICIES;
export type { PreparePolicy, PrepareFactory } from './types.js';
