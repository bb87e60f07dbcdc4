/**
 * Runs a workload's commands in the simulator, on src/engine with a ProfileCost:
 *  - compute is one in-order stream (a Server with one unit; each item also waits for the
 *    uploads of the slots it reads), priced by the profile's op fits;
 *  - an upload of solo time U (the `h2d` Link's latency + bytes / bandwidth) has three parts:
 *    the host's (`uploadHostShare` x U, calibrate/overlap.ts): the issuing thread copies before
 *    it can issue the next command, while the device runs what is queued (Dawn's writeBuffer
 *    copies into staging on the calling thread; on lavapipe that is nearly all of it); the
 *    device's (the rest of the bytes), ordered on the one queue: it starts once the work issued
 *    ahead of it is done (and the last compute that read its slot: write-after-read) and moves
 *    on the Link (shared max-min fairly) alongside the compute issued after it; and the share the
 *    device cannot overlap with compute (1 - the profile's `overlap`), which holds the compute
 *    stream in issue order - overlap 0 is one serial queue, 1 a free copy engine. A reader waits
 *    for all of it. So a copy hides behind compute queued around it: a prefetch issued behind a
 *    layer can, a demand fetch issued when nothing is queued (after a sync) cannot;
 *  - a sync waits for everything issued, then pays one d2h transfer of the bytes read back.
 * The host spends `issueSeconds` per command, one command at a time, before the device sees it.
 * On a software adapter (`sharedCores`) the host's CPU time is taken from the device's own cores,
 * so it is also charged to the compute stream.
 * Stalls (the profile's `stalls`, see calibrate/stalls.ts), lengths drawn from the measured ones,
 * `seed` making the draw repeatable, in one of two forms: `per_sync`, the probe's stalls per burst,
 * each sync stalling with that probability before its readback returns (what a software adapter
 * does: the excess over the median burst is ~1.1 ms per sync whether a burst holds 10 ops or 80,
 * so a per-second rate over-charges workloads that sync rarely); or `rate_per_s`, a Poisson
 * process over compute time, each op running its fitted time plus the stalls inside it.
 */
import { Env, Link, RngStreams, Server, type SimEvent } from '../../src/engine/index.js';
import type { CostModel } from '../../src/cost/model.js';
import { linkAt, type LinkFit } from '../../src/hardware/profile.js';
import type { Workload } from './stream.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ev = SimEvent<any>;

export interface SimDeviceOptions {
  cost: CostModel;
  h2d: LinkFit;
  d2h: LinkFit;
  /** Host seconds to issue one command (profile's host_issue_s; 0 = instant). */
  issueSeconds?: number;
  /** The device computes on the host's cores (a software adapter). */
  sharedCores?: boolean;
  /**
   * Share of an upload's time the issuing host spends inside writeBuffer before it can issue the
   * next command (calibrate/overlap.ts `host_share`; 0 = the call returns at once and the copy
   * runs on the queue). That part is done when the call returns; the rest moves in queue order.
   */
  uploadHostShare?: number;
  stalls?: { rate_per_s: number; durations_s: readonly number[]; per_sync?: number };
  seed?: number;
}

export interface SimStats {
  computeBusy_s: number;
  linkBusy_s: number;
}

export function runInSimulator(o: SimDeviceOptions, wl: Workload): SimStats {
  const env = new Env();
  const compute = new Server(env, 'compute');
  // One Link per fitted size segment (a profile's h2d may have a knee): a workload's uploads are
  // all one size, so in practice one Link carries them all and they queue on it.
  const h2dLinks = new Map<number, Link>();
  const h2dFor = (bytes: number): Link => {
    const seg = linkAt(o.h2d, bytes);
    let l = h2dLinks.get(seg.bandwidth);
    if (!l) h2dLinks.set(seg.bandwidth, (l = new Link(env, 'h2d', { bandwidth: seg.bandwidth, latency: seg.latency_s })));
    return l;
  };
  const overlap = o.cost.overlap;
  let tail: Ev = env.timeout(0);
  const slotReady = new Map<string, Ev>();
  const slotLastUse = new Map<string, Ev>();
  let outstanding: Ev[] = [];

  /** Append an item of `seconds` to the compute stream after `deps`; returns its completion. */
  const stream = (seconds: number, deps: Ev[]): Ev => {
    const done = env.event();
    env.allOf([tail, ...deps]).then(() => compute.submit(seconds, () => done.succeed(undefined)));
    tail = done;
    return done;
  };

  const rng = new RngStreams(o.seed ?? 1).stream('stalls');
  const stalls = o.stalls && o.stalls.rate_per_s > 0 && o.stalls.durations_s.length > 0 ? o.stalls : undefined;
  const perSync = stalls?.per_sync;
  /** An op's fitted seconds plus the stalls that land inside it (the per-second form). */
  const withStalls = (seconds: number): number => {
    if (!stalls || perSync !== undefined) return seconds;
    let extra = 0;
    for (let t = rng.exponential(stalls.rate_per_s); t < seconds; t += rng.exponential(stalls.rate_per_s)) extra += stalls.durations_s[rng.int(stalls.durations_s.length)]!;
    return seconds + extra;
  };

  const issue = o.issueSeconds ?? 0;
  env.process(function* () {
    let next = wl.next(0);
    while (!next.done) {
      const c = next.value;
      if (issue > 0 && c.t !== 'wait_until' && c.t !== 'now') {
        if (o.sharedCores) stream(issue, []);
        yield env.timeout(issue);
      }
      switch (c.t) {
        case 'wait_until':
          if (c.time > env.now) yield env.timeout(c.time - env.now);
          break;
        case 'upload': {
          const war = slotLastUse.get(c.slot);
          const h2d = h2dFor(c.bytes);
          const solo = h2d.soloSeconds(c.bytes);
          const hostPart = Math.min(1, Math.max(0, o.uploadHostShare ?? 0));
          const ahead = tail;
          const parts: Ev[] = [];
          // The part the device cannot overlap holds the compute stream in issue order.
          const serial = (1 - overlap) * solo;
          if (serial > 0) parts.push(stream(serial, war ? [war] : []));
          if (hostPart < 1) {
            // Queue order: the device's part starts once the work issued ahead of it is done,
            // not when the host issues it (the host runs far ahead of the device between syncs).
            const moved = env.event();
            const rest = (1 - hostPart) * c.bytes;
            env.allOf(war ? [ahead, war] : [ahead]).then(() => h2d.transfer(rest, { onDone: () => moved.succeed(undefined) }));
            parts.push(moved);
          }
          const ready = env.allOf(parts);
          slotReady.set(c.slot, ready);
          outstanding.push(ready);
          // The host's part: the issuing thread copies before it can issue anything else.
          if (hostPart > 0) yield env.timeout(hostPart * solo);
          break;
        }
        case 'compute': {
          const deps = c.slots.map((s) => slotReady.get(s)).filter((e): e is Ev => e !== undefined);
          const done = stream(withStalls(o.cost.opSeconds(c.op)), deps);
          for (const s of c.slots) slotLastUse.set(s, done);
          break;
        }
        case 'sync': {
          yield env.allOf([tail, ...outstanding]);
          outstanding = [];
          const stall = perSync !== undefined && rng.uniform() < perSync ? stalls!.durations_s[rng.int(stalls!.durations_s.length)]! : 0;
          yield env.timeout(stall + o.d2h.latency_s + c.bytes / o.d2h.bandwidth);
          break;
        }
        case 'now':
          break;
      }
      next = wl.next(env.now);
    }
  });
  env.run();
  return { computeBusy_s: compute.busyTime(), linkBusy_s: [...h2dLinks.values()].reduce((a, l) => a + l.busyTime(), 0) };
}
