/** Shared by the workload tests: a flat price list and a fake-clock driver for command streams. */
import type { CostModel } from '../../src/cost/model.js';
import type { Cmd, Workload } from './stream.js';

/** Every op takes 1 ms: enough to plan arrivals. */
export const flat: CostModel = { overlap: 0, opSeconds: () => 1e-3, source: () => 'flat', link: () => undefined };

/** Drive a workload with a fake clock that advances 1 ms per compute; collect the commands. */
export function drive(wl: Workload): Cmd[] {
  const out: Cmd[] = [];
  let now = 0;
  let next = wl.next(0);
  while (!next.done) {
    const c = next.value;
    out.push(c);
    if (c.t === 'compute') now += 1e-3;
    if (c.t === 'wait_until') now = Math.max(now, c.time);
    next = wl.next(now);
  }
  return out;
}
