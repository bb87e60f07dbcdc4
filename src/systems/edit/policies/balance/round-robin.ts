/** Requests go to workers in turn, whatever their load. */
import type { BalancePolicy } from './types.js';

export const roundRobin = (): BalancePolicy => {
  let next = 0;
  return {
    pick(workers) {
      const i = next % workers.length;
      next = i + 1;
      return i;
    },
  };
};
