/**
 * Saturation: a run whose queue grows without bound has no steady state, so its latency mean and
 * interval describe only how long the run was ("25670 +/- 37820"). Two signals, from what every
 * replication records (conservation counts and simulated time), per replication:
 *  - requests still in flight when the run stopped exceed IN_FLIGHT_FRACTION of those that arrived
 *    (a time-limited run that could not keep up);
 *  - the run took DRAIN_EXCESS longer to finish than the fastest policy on the same seed. All
 *    policies see the same arrivals (common random numbers), so the fastest one finishing at time T
 *    bounds the arrival span; a stable policy ends within a few service times of it, a saturated
 *    one drains a backlog that grows with the run (quickstart rps 0.9: +8..25% vs <2% when stable).
 * The second signal needs one stable policy at the point; if every policy saturates only the first
 * signal can see it.
 */
import type { Conservation } from './types.js';

export const IN_FLIGHT_FRACTION = 0.05;
export const DRAIN_EXCESS = 0.05;

export interface ReplicationTiming {
  replication: number;
  simulated_s: number;
  conservation: Conservation;
}

export interface SaturationVerdict {
  saturated: number;
  replications: number;
  /** The reason of the first saturated replication, for the report. */
  reason: string | null;
}

/** Per policy at one sweep point (policies' replications paired by index): how many replications saturated. */
export function saturationAtPoint(policies: ReadonlyArray<readonly ReplicationTiming[]>): SaturationVerdict[] {
  const fastest = new Map<number, number>();
  for (const reps of policies) for (const r of reps) fastest.set(r.replication, Math.min(fastest.get(r.replication) ?? Infinity, r.simulated_s));
  return policies.map((reps) => {
    let saturated = 0;
    let reason: string | null = null;
    for (const r of reps) {
      const c = r.conservation;
      const best = fastest.get(r.replication)!;
      let why: string | null = null;
      if (c.arrived > 0 && c.inFlight > IN_FLIGHT_FRACTION * c.arrived) why = `${c.inFlight} of ${c.arrived} requests still queued at the end`;
      else if (best > 0 && r.simulated_s > (1 + DRAIN_EXCESS) * best) why = `finished ${Math.round((100 * (r.simulated_s - best)) / best)}% later than the fastest policy on the same arrivals`;
      if (why) {
        saturated++;
        reason ??= why;
      }
    }
    return { saturated, replications: reps.length, reason };
  });
}
