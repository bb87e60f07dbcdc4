/**
 * FlashPS's own mask-aware balancer as its artifact implements it (Sylvia-16/FlashPS,
 * scheduler/schedule_methods.py, NewFlopsBalanceScheduler): a worker's load is the summed work of
 * the requests assigned to it (queued or running, each counted whole until it completes, not by
 * what is left), and the request goes where that sum plus its own is lowest. A count guard comes
 * first: when some worker holds at least two requests more than the emptiest, the emptiest gets it.
 * The artifact sums FLOPs of the masked tokens; here the work is the request's predicted solo
 * seconds, which is affine in the same masked-token count (and includes the cache load).
 */
import { argminRotating, type BalancePolicy } from './types.js';

/** Count gap at which the count guard overrides the work sums (`>= 2` in the artifact). */
const COUNT_GUARD = 2;

export const assignedWork = (): BalancePolicy => {
  let start = 0;
  return {
    pick(workers, predictedSeconds) {
      let min = Infinity;
      let max = -Infinity;
      for (const w of workers) {
        min = Math.min(min, w.outstanding);
        max = Math.max(max, w.outstanding);
      }
      const key = max - min >= COUNT_GUARD ? (k: number) => workers[k]!.outstanding : (k: number) => workers[k]!.assignedSeconds + predictedSeconds;
      const [i, next] = argminRotating(workers.length, start, key);
      start = next;
      return i;
    },
  };
};
