import { describe, expect, it } from 'vitest';
import { Env, Link } from '../../src/engine/index.js';
import { ConfigError } from '../../src/errors.js';
import { WindowRecorder } from '../../src/metrics/recorders.js';

describe('Link', () => {
  it('a lone transfer takes latency + bytes / bandwidth', () => {
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100, latency: 0.25 });
    let at = -1;
    link.transfer(200, { onDone: () => (at = env.now) });
    env.run();
    expect(at).toBeCloseTo(2.25, 12);
    expect(link.soloSeconds(200)).toBeCloseTo(2.25, 12);
  });

  it('two transfers share fairly; one starting half-way finishes when the formula says', () => {
    // A: 100 B at t=0 alone at 100 B/s until t=0.5 (50 B). Then both at 50 B/s:
    // A's last 50 B take 1 s -> t=1.5; B has 50 B by then, its last 50 B at 100 B/s -> t=2.0.
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100 });
    const done: Record<string, number> = {};
    link.transfer(100, { onDone: () => (done.a = env.now) });
    env.schedule(0.5, () => link.transfer(100, { onDone: () => (done.b = env.now) }));
    env.run();
    expect(done.a).toBeCloseTo(1.5, 12);
    expect(done.b).toBeCloseTo(2.0, 12);
    expect(link.bytesMoved).toBeCloseTo(200, 9);
    expect(link.busyTime()).toBeCloseTo(2.0, 12);
  });

  it('a cancelled transfer frees its share and keeps its partial bytes', () => {
    // Both at 50 B/s; cancel B at t=0.5 (25 B moved). A then has 75 B at 100 B/s -> t=1.25.
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100 });
    let aDone = -1;
    let bDone = false;
    link.transfer(100, { onDone: () => (aDone = env.now) });
    const b = link.transfer(100, { onDone: () => (bDone = true) });
    let partial = -1;
    env.schedule(0.5, () => (partial = link.cancel(b)));
    env.run();
    expect(partial).toBeCloseTo(25, 9);
    expect(aDone).toBeCloseTo(1.25, 12);
    expect(bDone).toBe(false);
    expect(b.state).toBe('cancelled');
    expect(link.bytesMoved).toBeCloseTo(125, 9);
  });

  it('cancelling during latency moves nothing', () => {
    const env = new Env();
    const link = new Link(env, 'disk', { bandwidth: 100, latency: 1 });
    const t = link.transfer(100);
    env.schedule(0.5, () => link.cancel(t));
    env.run();
    expect(t.moved).toBe(0);
    expect(link.bytesMoved).toBe(0);
  });

  it('transfers leave the latency phase in submission order, skipping cancelled ones', () => {
    // latency 1 s, 100 B/s. a at 0 (active 1-2), b at 0.2 (cancelled at 0.5), c at 0.4: active
    // 1.4-2.0 sharing with a (a 1.0-1.4 alone: 40 B; then 50 B/s each), c done when a is.
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100, latency: 1 });
    const started: Record<string, number> = {};
    const done: Record<string, number> = {};
    const go = (name: string, at: number, bytes: number) =>
      env.schedule(at, () => {
        const t = link.transfer(bytes, { onDone: () => (done[name] = env.now) });
        env.schedule(1.0000001, () => t.state !== 'cancelled' && (started[name] = t.startedAt));
        if (name === 'b') env.schedule(0.3, () => link.cancel(t));
      });
    go('a', 0, 100);
    go('b', 0.2, 100);
    go('c', 0.4, 30);
    env.run();
    expect(started).toEqual({ a: 1, c: 1.4 });
    expect(done.b).toBeUndefined();
    // a: 40 B alone by 1.4, then 50 B/s; c: 30 B at 50 B/s -> 2.0; a's last 30 B alone at 100 B/s.
    expect(done.c).toBeCloseTo(2.0, 12);
    expect(done.a).toBeCloseTo(2.3, 12);
    expect(link.completed).toBe(2);
    expect(link.cancelled).toBe(1);
  });

  it('Env.rearmAt fires a spent timer at an absolute time', () => {
    const env = new Env();
    const fired: number[] = [];
    const t = env.schedule(1, () => fired.push(env.now));
    env.run();
    env.rearmAt(t, 2.5, () => fired.push(env.now));
    expect(() => env.rearmAt(t, 3, () => {})).toThrow('still pending');
    env.run();
    expect(fired).toEqual([1, 2.5]);
    expect(() => env.rearmAt(t, 1, () => {})).toThrow('before');
  });

  it('rate caps are max-min fair: spare capacity goes to the uncapped transfer', () => {
    // 100 B/s; A capped at 20 B/s moves 20 B in 1 s; B gets 80 B/s and moves 80 B in 1 s.
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100 });
    const done: Record<string, number> = {};
    link.transfer(20, { maxRate: 20, onDone: () => (done.a = env.now) });
    link.transfer(80, { onDone: () => (done.b = env.now) });
    env.run();
    expect(done.a).toBeCloseTo(1, 12);
    expect(done.b).toBeCloseTo(1, 12);
  });

  it('n equal transfers started together all finish at n * bytes / bandwidth', () => {
    const env = new Env();
    const link = new Link(env, 'nvlink', { bandwidth: 1e9 });
    const ends: number[] = [];
    for (let i = 0; i < 4; i++) link.transfer(1e8, { onDone: () => ends.push(env.now) });
    env.run();
    for (const e of ends) expect(e).toBeCloseTo(0.4, 12);
  });

  it('transfer.done is an event processes can wait on', () => {
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 10 });
    let at = -1;
    env.process(function* () {
      yield link.transfer(30).done;
      at = env.now;
    });
    env.run();
    expect(at).toBeCloseTo(3, 12);
  });

  it('reports slices with bytes to a trace sink', () => {
    const env = new Env();
    const rec = new WindowRecorder();
    const link = new Link(env, 'h2d', { bandwidth: 10, trace: rec });
    link.transfer(10, { label: 'expert 3' });
    env.run();
    expect(rec.slices).toEqual([{ track: 'h2d', name: 'expert 3', start: 0, end: 1, args: { bytes: 10 } }]);
  });

  it('refuses a zero-bandwidth link', () => {
    expect(() => new Link(new Env(), 'dead', { bandwidth: 0 })).toThrow(ConfigError);
  });
  it('a transfer too short for the clock to resolve finishes instead of livelocking', () => {
    // At t = 1e9 s one ulp of time is ~1.2e-7 s; 1,000 B at 1e12 B/s take 1e-9 s.
    const env = new Env({ maxEventsPerInstant: 1000 });
    env.run(1e9);
    const link = new Link(env, 'nvlink', { bandwidth: 1e12 });
    let at = -1;
    link.transfer(1000, { onDone: () => (at = env.now) });
    env.run();
    expect(at).toBe(1e9);
    expect(link.bytesMoved).toBe(1000);
  });
});

describe('Link invariants', () => {
  it('a link that tries to move bytes faster than its bandwidth is caught', () => {
    class GreedyLink extends Link {
      protected override assignRates(): void {
        for (const t of this.active) t.rate = this.bandwidth; // every transfer gets the full link: wrong
      }
    }
    const env = new Env();
    const link = new GreedyLink(env, 'pcie', { bandwidth: 100 });
    link.transfer(100);
    expect(() => link.transfer(100)).toThrow(/rates sum to 200 B\/s above bandwidth 100 B\/s/);
  });
});
