/**
 * Adapter affinity: send a request to a worker that already holds its LoRAs (cached on the GPU or
 * patched in), so it skips the load and maybe the patch, unless that worker's queue is more than
 * `affinity_slack` longer than the shortest; otherwise, and for requests without LoRAs, least loaded.
 */
import type { AssignmentParams, AssignmentPolicy, WorkerView } from '../../types.js';
import { leastLoaded } from './least-loaded.js';

export function affinity(p: AssignmentParams): AssignmentPolicy {
  let from = 0;
  return {
    choose(loras, workers) {
      const fallback = leastLoaded(workers, from);
      let pick = fallback;
      if (loras.length > 0) {
        const limit = workers[fallback]!.outstanding + p.affinity_slack;
        const held = (w: WorkerView) => {
          let n = 0;
          for (const id of loras) if (w.holdsLora(id)) n++;
          return n;
        };
        // The most LoRAs held wins; among equals, the least loaded.
        let bestHeld = 0;
        for (let i = 0; i < workers.length; i++) {
          const w = workers[(from + i) % workers.length]!;
          if (w.outstanding > limit) continue;
          const h = held(w);
          if (h > bestHeld || (h === bestHeld && h > 0 && w.outstanding < workers[pick]!.outstanding)) {
            bestHeld = h;
            pick = w.index;
          }
        }
      }
      from = (pick + 1) % workers.length;
      return pick;
    },
  };
}
