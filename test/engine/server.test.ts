import { describe, expect, it } from 'vitest';
import { Env, RngStreams, Server } from '../../src/engine/index.js';
import { meanCI } from '../../src/metrics/ci.js';

/** Mean waiting time of a single-server queue, with a batch-means 95% interval. */
function simulateQueue(seed: number, lambda: number, service: () => number, n: number) {
  const env = new Env();
  const server = new Server(env, 'S');
  const rng = new RngStreams(seed).stream('arrivals');
  const waits: number[] = [];
  let arrived = 0;
  const arrive = (): void => {
    const t0 = env.now;
    server.submit(service(), undefined, { onStart: (start) => waits.push(start - t0) });
    if (++arrived < n) env.schedule(rng.exponential(lambda), arrive);
  };
  env.schedule(rng.exponential(lambda), arrive);
  env.run();
  const warm = waits.slice(n / 10);
  const batches = 20;
  const size = Math.floor(warm.length / batches);
  const means = Array.from({ length: batches }, (_, b) => warm.slice(b * size, (b + 1) * size).reduce((a, x) => a + x, 0) / size);
  return { ci: meanCI(means), server, env };
}

describe('Server', () => {
  it('M/M/1 mean wait matches rho / (mu - lambda)', () => {
    const svc = new RngStreams(7).stream('service');
    const { ci } = simulateQueue(7, 0.8, () => svc.exponential(1), 400_000);
    const expected = 0.8 / (1 - 0.8); // 4.0
    expect(Math.abs(ci.mean - expected)).toBeLessThan(Math.max(ci.ci95, 0.02 * expected));
    expect(ci.lo).toBeLessThan(expected * 1.05);
    expect(ci.hi).toBeGreaterThan(expected * 0.95);
  });

  it('M/D/1 mean wait matches rho / (2 mu (1 - rho)) (Pollaczek-Khinchine)', () => {
    const { ci } = simulateQueue(11, 0.8, () => 1, 400_000);
    const expected = 0.8 / (2 * (1 - 0.8)); // 2.0
    expect(Math.abs(ci.mean - expected)).toBeLessThan(Math.max(ci.ci95, 0.02 * expected));
  });

  it('utilisation converges to rho', () => {
    const svc = new RngStreams(3).stream('service');
    const { server } = simulateQueue(3, 0.5, () => svc.exponential(1), 100_000);
    expect(server.utilisation()).toBeCloseTo(0.5, 1);
  });

  it('k units serve k jobs at once, then FIFO', () => {
    const env = new Env();
    const s = new Server(env, 'cpu', { units: 2 });
    const done: Array<[string, number]> = [];
    for (const [name, d] of [['a', 2], ['b', 3], ['c', 1], ['d', 1]] as const) s.submit(d, (t) => done.push([name, t]));
    env.run();
    // At t=3 b (scheduled at t=0) fires before c (scheduled at t=2): ties go in insertion order.
    expect(done).toEqual([['a', 2], ['b', 3], ['c', 3], ['d', 4]]);
    expect(s.busyTime()).toBe(7);
  });

  it('priority discipline serves lower numbers first, FIFO among equals', () => {
    const env = new Env();
    const s = new Server(env, 'gpu', { discipline: 'priority' });
    const order: string[] = [];
    s.submit(1, () => order.push('first'));
    s.submit(1, () => order.push('low1'), { priority: 5 });
    s.submit(1, () => order.push('high'), { priority: 1 });
    s.submit(1, () => order.push('low2'), { priority: 5 });
    env.run();
    expect(order).toEqual(['first', 'high', 'low1', 'low2']);
  });

  it('request()/release() holds a unit until released', () => {
    const env = new Env();
    const s = new Server(env, 'stream');
    const log: string[] = [];
    for (const name of ['p', 'q']) {
      env.process(function* () {
        const g = yield s.request();
        log.push(`${name} start ${env.now}`);
        yield env.timeout(2);
        s.release(g);
      });
    }
    env.run();
    expect(log).toEqual(['p start 0', 'q start 2']);
  });
});
