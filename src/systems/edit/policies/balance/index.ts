import { assignedWork } from './assigned-work.js';
import { costAware } from './cost-aware.js';
import { leastOutstanding } from './least-outstanding.js';
import { roundRobin } from './round-robin.js';
import type { BalanceFactory } from './types.js';

export const BALANCE_POLICIES = {
  'round-robin': roundRobin,
  'least-outstanding': leastOutstanding,
  'cost-aware': costAware,
  'assigned-work': assignedWork,
} as const satisfies Record<string, BalanceFactory>;

export type BalancePolicyName = keyof typeof BALANCE_POLICIES;
export type { BalancePolicy, BalanceFactory, WorkerLoad } from './types.js';
