import { describe, expect, it } from 'vitest';
import { Env } from '../../src/engine/index.js';
import { Timer } from '../../src/engine/heap.js';

describe('Env.rearm', () => {
  it('reuses a fired timer: fires at now + delay, in scheduling order with schedule()d events', () => {
    const env = new Env();
    const t = new Timer(0, 0, null);
    const log: string[] = [];
    const tick = (n: number) => () => {
      log.push(`rearmed ${n} at ${env.now}`);
      if (n < 3) env.rearm(t, 1, tick(n + 1));
    };
    env.rearm(t, 1, tick(1));
    env.schedule(2, () => log.push(`scheduled at ${env.now}`)); // same time as rearm #2, scheduled earlier
    env.run();
    expect(log).toEqual(['rearmed 1 at 1', 'scheduled at 2', 'rearmed 2 at 2', 'rearmed 3 at 3']);
  });

  it('refuses a timer that is still pending, and a negative delay', () => {
    const env = new Env();
    const t = new Timer(0, 0, null);
    env.rearm(t, 1, () => {});
    expect(() => env.rearm(t, 1, () => {})).toThrow(/still pending/);
    expect(() => env.rearm(new Timer(0, 0, null), -1, () => {})).toThrow(/into the past/);
  });
});
