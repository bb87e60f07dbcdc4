// servesim vs the event loops a user would write by hand for the same M/M/1 model, so the figure
// is a ratio on the same machine, not an absolute time:
//  - "sorted array": events kept in a JS array sorted on insert (binary search + splice);
//  - "closure heap": a binary heap of {t, seq, fn} closures.
// Rates use CPU seconds too: on a shared machine wall time also measures the neighbours.
// All three simulate the identical model (same RNG streams, same customers) and must agree on the
// mean wait, which the case checks before timing means anything.
import { Env, RngStreams, Server } from '../../../dist/src/engine/index.js';
import { closureHeapQueue, sortedArrayQueue, timed } from '../handwritten.mjs';

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

function time(f) {
  f(); // warm-up run
  return timed(f);
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
  // Speed-ups on CPU seconds (wall seconds beside them): neighbours on a shared machine inflate wall time.
  const extra = (r) => ({ cpu_seconds: round(r.cpu), wall_seconds: round(r.secs) });
  return [
    { name: 'reference: M/M/1 servesim', value: CUSTOMERS / r3(ours.cpu), unit: 'customers/cpu-s', ...extra(ours) },
    { name: 'reference: M/M/1 hand-written sorted array', value: CUSTOMERS / r3(sorted.cpu), unit: 'customers/cpu-s', ...extra(sorted) },
    { name: 'reference: M/M/1 hand-written closure heap', value: CUSTOMERS / r3(heap.cpu), unit: 'customers/cpu-s', ...extra(heap) },
    { name: 'reference: M/M/1 speed-up vs sorted array', value: sorted.cpu / ours.cpu, unit: 'x (cpu)', wall_ratio: round(sorted.secs / ours.secs) },
    { name: 'reference: M/M/1 speed-up vs closure heap', value: heap.cpu / ours.cpu, unit: 'x (cpu)', wall_ratio: round(heap.secs / ours.secs) },
  ];
}

const round = (x) => Math.round(x * 100) / 100;
const r3 = (x) => Math.max(x, 1e-3);
