// servesim vs the event loops a user would write by hand for the same M/M/1 model, so the figure
// is a ratio on the same machine, not an absolute time:
//  - "sorted array": events kept in a JS array sorted on insert (binary search + splice);
//  - "closure heap": a binary heap of {t, fn} closures compared on time only.
// All three simulate the identical model (same RNG streams, same customers) and must agree on the
// mean wait, which the case checks before timing means anything.
import { Env, RngStreams, Server } from '../../../dist/src/engine/index.js';

const CUSTOMERS = 1_000_000;
const LAMBDA = 0.9;

function workload() {
  const s = new RngStreams(1);
  const arr = s.stream('arrivals');
  const svc = s.stream('service');
  return { gap: () => arr.exponential(LAMBDA), service: () => svc.exponential(1) };
}

function servesimMM1() {
  const { gap, service } = workload();
  const env = new Env();
  const server = new Server(env, 'S');
  let n = 0;
  let waitSum = 0;
  // Arrival times wait in a FIFO beside the server's own queue (FIFO too), as a user would write it.
  const arrivals = [];
  const job = { onStart: (s) => (waitSum += s - arrivals.shift()) };
  const arrive = () => {
    arrivals.push(env.now);
    server.submit(service(), undefined, job);
    if (++n < CUSTOMERS) env.schedule(gap(), arrive);
  };
  env.schedule(0, arrive);
  env.run();
  return { meanWait: waitSum / CUSTOMERS, events: env.eventsProcessed };
}

/** M/M/1 on a hand-written loop; `queue` provides push(t, fn) and pop() -> {t, fn}. */
function handWrittenMM1(queue) {
  const { gap, service } = workload();
  let now = 0;
  let busy = false;
  const waiting = [];
  let n = 0;
  let waitSum = 0;
  let events = 0;
  const startService = (arrivedAt) => {
    busy = true;
    waitSum += now - arrivedAt;
    queue.push(now + service(), depart);
  };
  const depart = () => {
    busy = false;
    if (waiting.length) startService(waiting.shift());
  };
  const arrive = () => {
    if (busy) waiting.push(now);
    else startService(now);
    if (++n < CUSTOMERS) queue.push(now + gap(), arrive);
  };
  queue.push(0, arrive);
  for (let e = queue.pop(); e; e = queue.pop()) {
    now = e.t;
    events++;
    e.fn();
  }
  return { meanWait: waitSum / CUSTOMERS, events };
}

function sortedArrayQueue() {
  const a = []; // descending by time, so pop() takes the earliest from the end
  return {
    push(t, fn) {
      let lo = 0;
      let hi = a.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (a[mid].t > t) lo = mid + 1;
        else hi = mid;
      }
      a.splice(lo, 0, { t, fn });
    },
    pop: () => a.pop(),
  };
}

function closureHeapQueue() {
  const h = [];
  return {
    push(t, fn) {
      h.push({ t, fn });
      let i = h.length - 1;
      while (i > 0) {
        const p = Math.floor((i - 1) / 2);
        if (h[p].t <= h[i].t) break;
        [h[p], h[i]] = [h[i], h[p]];
        i = p;
      }
    },
    pop() {
      if (h.length === 0) return undefined;
      const top = h[0];
      const last = h.pop();
      if (h.length) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && h[l].t < h[m].t) m = l;
          if (r < h.length && h[r].t < h[m].t) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i], h[m]];
          i = m;
        }
      }
      return top;
    },
  };
}

function time(f) {
  f(); // warm-up run
  const t0 = performance.now();
  const r = f();
  return { ...r, secs: (performance.now() - t0) / 1000 };
}

export function run() {
  const ours = time(servesimMM1);
  const sorted = time(() => handWrittenMM1(sortedArrayQueue()));
  const heap = time(() => handWrittenMM1(closureHeapQueue()));
  for (const r of [sorted, heap]) {
    if (Math.abs(r.meanWait - ours.meanWait) > 1e-9 * ours.meanWait) {
      throw new Error(`reference M/M/1 disagrees: mean wait ${r.meanWait} vs servesim ${ours.meanWait}`);
    }
  }
  const rate = (r) => CUSTOMERS / r.secs;
  return [
    { name: 'reference: M/M/1 servesim', value: rate(ours), unit: 'customers/s' },
    { name: 'reference: M/M/1 hand-written sorted array', value: rate(sorted), unit: 'customers/s' },
    { name: 'reference: M/M/1 hand-written closure heap', value: rate(heap), unit: 'customers/s' },
    { name: 'reference: M/M/1 speed-up vs sorted array', value: sorted.secs / ours.secs, unit: 'x' },
    { name: 'reference: M/M/1 speed-up vs closure heap', value: heap.secs / ours.secs, unit: 'x' },
  ];
}
