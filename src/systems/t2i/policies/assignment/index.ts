/** Request-to-worker assignment policies by name. */
import type { AssignmentFactory } from '../../types.js';
import { affinity } from './affinity.js';
import { leastLoadedPolicy } from './least-loaded.js';
import { roundRobin } from './round-robin.js';

export const assignments = {
  'round-robin': roundRobin,
  'least-loaded': leastLoadedPolicy,
  affinity,
} as const satisfies Record<string, AssignmentFactory>;
