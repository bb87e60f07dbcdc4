/** The worker with the fewest queued + running requests (request-count balancing). */
import { argminRotating, type BalancePolicy } from './types.js';

export const leastOutstanding = (): BalancePolicy => {
  let start = 0;
  return {
    pick(workers) {
      const [i, next] = argminRotating(workers.length, start, (k) => workers[k]!.outstanding);
      start = next;
      return i;
    },
  };
};
