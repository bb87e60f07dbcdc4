// Engine micro-benchmarks: (a) an M/M/1 queue on the callback API, (b) the classic hold model
// (each event reschedules itself with an exponential delay) with 10, 1k and 100k pending events.
import { Env, RngStreams, Server } from '../../../dist/src/engine/index.js';

export function mm1(customers) {
  const env = new Env();
  const server = new Server(env, 'S');
  const streams = new RngStreams(1);
  const arr = streams.stream('arrivals');
  const svc = streams.stream('service');
  let n = 0;
  const arrive = () => {
    server.submit(svc.exponential(1));
    if (++n < customers) env.schedule(arr.exponential(0.9), arrive);
  };
  env.schedule(0, arrive);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  env.run();
  const secs = (performance.now() - t0) / 1000;
  return { events: env.eventsProcessed, secs, cpu: cpuSince(c0) };
}

function cpuSince(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

function hold(pending, total) {
  const env = new Env();
  const rng = new RngStreams(2).stream('hold');
  let left = total;
  const tick = () => {
    if (--left > 0) env.schedule(rng.exponential(1), tick);
  };
  for (let i = 0; i < pending; i++) env.schedule(rng.exponential(1), tick);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  env.run();
  return { events: env.eventsProcessed, secs: (performance.now() - t0) / 1000, cpu: cpuSince(c0) };
}

export function run() {
  mm1(200_000); // warm-up: let the JIT settle before timing
  const m = mm1(2_000_000);
  // Rates per wall second (the target) and per CPU second (what a quiet machine gives; neighbours
  // on a shared machine inflate wall time).
  const out = [
    { name: 'engine: M/M/1 (rho 0.9), 2M customers', value: m.events / m.secs, unit: 'events/s', target: '>= 5e6', events_per_cpu_s: Math.round(m.events / m.cpu) },
  ];
  for (const p of [10, 1_000, 100_000]) {
    hold(p, 200_000);
    const h = hold(p, 3_000_000);
    out.push({ name: `engine: hold model, ${p} pending`, value: h.events / h.secs, unit: 'events/s', events_per_cpu_s: Math.round(h.events / h.cpu) });
  }
  return out;
}
