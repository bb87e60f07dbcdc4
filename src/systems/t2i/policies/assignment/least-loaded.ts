/**
 * Least loaded: the worker with the fewest requests queued or running. Ties go to the first such
 * worker after the previous choice, so an idle cluster still spreads requests.
 */
import type { AssignmentPolicy, WorkerView } from '../../types.js';

/** Index of the least-loaded worker among `ok`, scanning from `from` (ties: first met). */
export function leastLoaded(workers: readonly WorkerView[], from: number, ok: (w: WorkerView) => boolean = () => true): number {
  const n = workers.length;
  let best = -1;
  let bestLoad = Infinity;
  for (let i = 0; i < n; i++) {
    const w = workers[(from + i) % n]!;
    if (w.outstanding < bestLoad && ok(w)) {
      best = w.index;
      bestLoad = w.outstanding;
    }
  }
  return best;
}

export function leastLoadedPolicy(): AssignmentPolicy {
  let from = 0;
  return {
    choose(_loras, workers) {
      const w = leastLoaded(workers, from);
      from = (w + 1) % workers.length;
      return w;
    },
  };
}
