import { describe, expect, it } from 'vitest';
import { Env, Interrupt } from '../../src/engine/index.js';
import { InvariantError } from '../../src/errors.js';

describe('Env', () => {
  it('schedule(d, fn) fires at now + d, ties in insertion order', () => {
    const env = new Env();
    const log: string[] = [];
    env.schedule(2, () => log.push(`b@${env.now}`));
    env.schedule(1, () => log.push(`a@${env.now}`));
    env.schedule(2, () => log.push(`c@${env.now}`));
    env.schedule(0, () => env.schedule(1, () => log.push(`d@${env.now}`)));
    env.run();
    expect(log).toEqual(['a@1', 'd@1', 'b@2', 'c@2']);
  });

  it('cancel(t) skips the timer and leaves others alone', () => {
    const env = new Env();
    const log: number[] = [];
    const t = env.schedule(1, () => log.push(1));
    env.schedule(2, () => log.push(2));
    env.cancel(t);
    env.run();
    expect(log).toEqual([2]);
    expect(env.eventsProcessed).toBe(1);
  });

  it('run(until) stops at until and sets the clock there', () => {
    const env = new Env();
    const log: number[] = [];
    for (const d of [1, 2, 3]) env.schedule(d, () => log.push(d));
    env.run(2.5);
    expect(log).toEqual([1, 2]);
    expect(env.now).toBe(2.5);
    env.run();
    expect(log).toEqual([1, 2, 3]);
  });

  it('rejects scheduling into the past', () => {
    const env = new Env();
    expect(() => env.schedule(-1, () => {})).toThrow(InvariantError);
  });

  it('turns a livelock at one instant into an InvariantError', () => {
    const env = new Env({ maxEventsPerInstant: 1000 });
    const spin = (): void => void env.schedule(0, spin);
    spin();
    expect(() => env.run()).toThrow(/no simulated progress/);
  });

  it('heap order stays correct over many random timers', () => {
    const env = new Env();
    const times: number[] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const d = (x % 1000) / 10;
      env.schedule(d, () => times.push(env.now));
    }
    env.run();
    expect(times.length).toBe(5000);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });
});

describe('processes', () => {
  it('timeout(d) resumes the process at now + d with its value', () => {
    const env = new Env();
    const log: Array<[number, string]> = [];
    env.process(function* () {
      const v: string = yield env.timeout(1.5, 'x');
      log.push([env.now, v]);
      yield env.timeout(1);
      log.push([env.now, 'y']);
    });
    env.run();
    expect(log).toEqual([
      [1.5, 'x'],
      [2.5, 'y'],
    ]);
  });

  it('a process is an event: waiting on it yields its return value', () => {
    const env = new Env();
    let got: number | undefined;
    let at = -1;
    const child = env.process(function* () {
      yield env.timeout(3);
      return 42;
    });
    env.process(function* () {
      got = yield child;
      at = env.now;
    });
    env.run();
    expect(got).toBe(42);
    expect(at).toBe(3);
  });

  it('allOf waits for the last, anyOf for the first', () => {
    const env = new Env();
    let all = -1;
    let any: { index: number } | undefined;
    let anyAt = -1;
    env.process(function* () {
      yield env.allOf([env.timeout(1), env.timeout(4), env.timeout(2)]);
      all = env.now;
    });
    env.process(function* () {
      any = yield env.anyOf([env.timeout(3), env.timeout(2)]);
      anyAt = env.now;
    });
    env.run();
    expect(all).toBe(4);
    expect(anyAt).toBe(2);
    expect(any!.index).toBe(1);
  });

  it('an unhandled failed event throws out of run()', () => {
    const env = new Env();
    env.process(function* () {
      yield env.timeout(1);
      throw new Error('boom');
    });
    expect(() => env.run()).toThrow('boom');
  });

  it('a failure caught inside a process does not escape', () => {
    const env = new Env();
    let caught = '';
    const ev = env.event<number>();
    env.process(function* () {
      try {
        yield ev;
      } catch (e) {
        caught = (e as Error).message;
      }
    });
    env.schedule(1, () => ev.fail(new Error('late')));
    env.run();
    expect(caught).toBe('late');
  });

  it('interrupt() throws an Interrupt at the yield point', () => {
    const env = new Env();
    const log: string[] = [];
    const p = env.process(function* () {
      try {
        yield env.timeout(10);
        log.push('finished');
      } catch (e) {
        log.push(`interrupted@${env.now}:${(e as Interrupt).cause}`);
      }
    });
    env.schedule(2, () => p.interrupt('preempt'));
    env.run();
    expect(log).toEqual(['interrupted@2:preempt']);
  });
});
