// TransferOptions.recycle: the link reuses a finished transfer's object for a later one, which
// then starts from the state a new Transfer has; transfers someone watches (`done`) are never reused.
import { describe, expect, it } from 'vitest';
import { Env, Link, type Transfer } from '../../src/engine/index.js';

describe('Link transfer recycling', () => {
  it('reuses the object of a finished recycled transfer, with fresh fields and the same timing', () => {
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100, latency: 0.5 });
    const seen: { t: Transfer; at: number; started: number; submitted: number; bytes: number }[] = [];
    const opts = { recycle: true, onDone: (t: Transfer) => seen.push({ t, at: env.now, started: t.startedAt, submitted: t.submittedAt, bytes: t.bytes }) };
    const first = link.transfer(100, opts);
    // Issued after the first has finished (t = 1.5): 0.5 s latency, then 50 B at 100 B/s.
    env.schedule(2, () => {
      const second = link.transfer(50, opts);
      expect(second).toBe(first);
      expect(second.state).toBe('latency');
      expect(second.remaining).toBe(50);
      expect(second.rate).toBe(0);
      expect(second.bytes).toBe(50);
      expect(second.submittedAt).toBe(2);
      expect(Number.isNaN(second.startedAt) && Number.isNaN(second.finishedAt)).toBe(true);
    });
    env.run();
    expect(seen.map((s) => [s.at, s.started, s.submitted, s.bytes])).toEqual([
      [1.5, 0.5, 0, 100],
      [3, 2.5, 2, 50],
    ]);
    expect(seen[0]!.t).toBe(seen[1]!.t);
    expect(link.completed).toBe(2);
  });

  it('never reuses a transfer without the option, or one whose done event was asked for', () => {
    const env = new Env();
    const link = new Link(env, 'pcie', { bandwidth: 100 });
    const plain = link.transfer(100, {});
    const watched = link.transfer(100, { recycle: true });
    let doneAt = -1;
    void watched.done.then(() => (doneAt = env.now));
    env.run();
    expect(doneAt).toBe(2);
    const next = link.transfer(10, { recycle: true });
    expect(next).not.toBe(plain);
    expect(next).not.toBe(watched);
    expect(watched.state).toBe('done');
    expect(watched.bytes).toBe(100);
  });
});
