/**
 * InstGenIE's mask-aware balancing: the worker whose predicted finish time for the request (its
 * backlog of predicted compute + cache-load seconds, plus the request's own) is lowest.
 */
import { argminRotating, type BalancePolicy } from './types.js';

export const costAware = (): BalancePolicy => {
  let start = 0;
  return {
    pick(workers, predictedSeconds) {
      const [i, next] = argminRotating(workers.length, start, (k) => workers[k]!.backlogSeconds + predictedSeconds);
      start = next;
      return i;
    },
  };
};
