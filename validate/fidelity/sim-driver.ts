/**
 * Runs a workload's commands in the simulator, on src/engine with a ProfileCost:
 *  - compute is one in-order stream (a Server with one unit; each item also waits for the
 *    uploads of the slots it reads), priced by the profile's op fits;
 *  - an upload moves its bytes on the `h2d` Link (latency + bytes / bandwidth, shared max-min
 *    fairly) and, for the part the device cannot overlap (1 - overlap), also occupies the compute
 *    stream in issue order - overlap 0 is one serial queue, 1 a free copy engine; it waits for the
 *    last compute that read its slot (write-after-read);
 *  - a sync waits for everything issued, then pays one d2h transfer of the bytes read back.
 * The host spends `issueSeconds` per command, one command at a time, before the device sees it.
 * On a software adapter (`sharedCores`) the host's CPU time is taken from the device's own cores,
 * so it is also charged to the compute stream.
 * Stalls (the profile's `stalls`, see calibrate/stalls.ts) arrive as a Poisson process over compute
 * time: each op runs its fitted time plus the stalls that fall inside it, lengths drawn from the
 * measured ones; `seed` makes the draw repeatable.
 */
import { Env, Link, RngStreams, Server, type SimEvent } from '../../src/engine/index.js';
import type { CostModel } from '../../src/cost/model.js';
import type { LinkFit } from '../../src/hardware/profile.js';
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
  stalls?: { rate_per_s: number; durations_s: readonly number[] };
  seed?: number;
}

export interface SimStats {
  computeBusy_s: number;
  linkBusy_s: number;
}

export function runInSimulator(o: SimDeviceOptions, wl: Workload): SimStats {
  const env = new Env();
  const compute = new Server(env, 'compute');
  const h2d = new Link(env, 'h2d', { bandwidth: o.h2d.bandwidth, latency: o.h2d.latency_s });
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
  /** An op's fitted seconds plus the stalls that land inside it. */
  const withStalls = (seconds: number): number => {
    if (!stalls) return seconds;
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
          const moved = env.event();
          const start = () => h2d.transfer(c.bytes, { onDone: () => moved.succeed(undefined) });
          if (war) war.then(start);
          else start();
          const parts = [moved];
          const serial = (1 - overlap) * h2d.soloSeconds(c.bytes);
          if (serial > 0) parts.push(stream(serial, war ? [war] : []));
          const ready = env.allOf(parts);
          slotReady.set(c.slot, ready);
          outstanding.push(ready);
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
          yield env.timeout(o.d2h.latency_s + c.bytes / o.d2h.bandwidth);
          break;
        }
        case 'now':
          break;
      }
      next = wl.next(env.now);
    }
  });
  env.run();
  return { computeBusy_s: compute.busyTime(), linkBusy_s: h2d.busyTime() };
}
