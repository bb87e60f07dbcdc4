/** Round-robin: workers in turn, blind to load and to what they hold. */
import type { AssignmentPolicy } from '../../types.js';

export function roundRobin(): AssignmentPolicy {
  let next = 0;
  return {
    choose(_loras, workers) {
      const w = next % workers.length;
      next = w + 1;
      return w;
    },
  };
}
