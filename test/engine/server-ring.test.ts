// The FIFO waiting line is a ring of parallel arrays that grows by doubling and wraps around;
// jobs and requests share it in arrival order, and a finishing job hands its unit straight to
// the next queued job. Expected timelines are worked out by hand below.
import { describe, expect, it } from 'vitest';
import { Env, Server } from '../../src/engine/index.js';

describe('Server FIFO ring', () => {
  it('keeps arrival order across growth and wrap-around', () => {
    const env = new Env();
    const s = new Server(env, 'S');
    const done: Array<[number, number]> = [];
    // 40 jobs of 1 s at t=0 (ring grows 16 -> 32 -> 64): job i ends at i + 1.
    for (let i = 0; i < 40; i++) s.submit(1, (t) => done.push([i, t]));
    // At t=10.5, while 29 wait with the head moved on, 20 more of 0.5 s: job 40 + j ends at 40 + 0.5 (j + 1).
    env.schedule(10.5, () => {
      for (let j = 0; j < 20; j++) s.submit(0.5, (t) => done.push([40 + j, t]));
    });
    env.run();
    expect(done.map(([i]) => i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const [i, t] of done) expect(t).toBe(i < 40 ? i + 1 : 40 + 0.5 * (i - 39));
    // Busy from 0 to 50 without a gap.
    expect(s.busyTime()).toBe(50);
    expect(s.utilisation()).toBe(1);
  });

  it('serves jobs and requests in one line, in arrival order', () => {
    const env = new Env();
    const s = new Server(env, 'S');
    const log: string[] = [];
    s.submit(2, () => log.push(`job a done ${env.now}`)); // 0-2
    const g = s.request(); // granted at once? no: the unit is busy -> waits, granted at 2
    g.then((grant) => {
      log.push(`grant at ${env.now}`);
      env.schedule(3, () => s.release(grant)); // holds 2-5
    });
    s.submit(1, () => log.push(`job b done ${env.now}`)); // 5-6
    env.run();
    expect(log).toEqual(['job a done 2', 'grant at 2', 'job b done 6']);
    expect(s.busyTime()).toBe(6);
    expect(s.started).toBe(3);
  });

  it('a job queued behind a finishing one starts at its end, onStart before the finisher onDone', () => {
    const env = new Env();
    const s = new Server(env, 'S', { units: 2 });
    const log: string[] = [];
    s.submit(1, () => log.push(`a done ${env.now}`));
    s.submit(4, () => log.push(`b done ${env.now}`));
    s.submit(1, () => log.push(`c done ${env.now}`), { onStart: (t) => log.push(`c start ${t}`) });
    env.run();
    expect(log).toEqual(['c start 1', 'a done 1', 'c done 2', 'b done 4']);
    // Units busy: 2 over [0, 2], 1 over [2, 4] -> 6 unit-seconds of 8.
    expect(s.busyTime()).toBe(6);
    expect(s.utilisation()).toBe(0.75);
  });
});
