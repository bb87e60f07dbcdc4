import { describe, expect, it } from 'vitest';
import { Env, Link, MemoryPool, Server } from '../../src/engine/index.js';
import { WindowRecorder } from '../../src/metrics/recorders.js';
import { toChromeTrace, validateChromeTrace } from '../../src/report/chrome-trace.js';

/**
 * Tiny hand-computed case: a 2 s upload on a 100 B/s link (200 B), then a 1 s kernel on the GPU
 * stream; a 50 B allocation at t=0 and its release at t=3.
 */
function tinyRun(rec: WindowRecorder): void {
  const env = new Env();
  const link = new Link(env, 'gpu0/pcie', { bandwidth: 100, trace: rec });
  const stream = new Server(env, 'gpu0/compute', { trace: rec });
  const mem = new MemoryPool('gpu0/memory', 100, { trace: rec, now: () => env.now });
  mem.alloc('expert:3', 50);
  link.transfer(200, {
    label: 'load expert 3',
    args: { request: 7 },
    onDone: () => stream.submit(1, () => mem.release('expert:3'), { label: 'expert 3 ffn', args: { request: 7, decision: 'fetch' } }),
  });
  env.run();
}

describe('toChromeTrace(recorder)', () => {
  it('has exactly the expected slices, times in microseconds, and counters', () => {
    const rec = new WindowRecorder();
    tinyRun(rec);
    const t = toChromeTrace(rec);
    const x = t.traceEvents.filter((e) => e.ph === 'X').map((e) => [e.name, e.ts, e.dur, e.args]);
    expect(x).toEqual([
      ['load expert 3', 0, 2_000_000, { request: 7, bytes: 200 }],
      ['expert 3 ffn', 2_000_000, 1_000_000, { request: 7, decision: 'fetch' }],
    ]);
    const c = t.traceEvents.filter((e) => e.ph === 'C').map((e) => [e.name, e.ts, e.args]);
    expect(c).toEqual([
      ['gpu0/memory', 0, { value: 50 }],
      ['gpu0/memory', 3_000_000, { value: 0 }],
    ]);
    // one process (gpu0) with three named threads
    const meta = t.traceEvents.filter((e) => e.ph === 'M');
    expect(meta.filter((e) => e.name === 'process_name').map((e) => e.args!.name)).toEqual(['gpu0']);
    expect(meta.filter((e) => e.name === 'thread_name').map((e) => e.args!.name).sort()).toEqual(['gpu0/compute', 'gpu0/memory', 'gpu0/pcie']);
    expect(validateChromeTrace(JSON.parse(JSON.stringify(t)))).toEqual([]);
  });

  it('keeps only the window and says how much the cap dropped', () => {
    const rec = new WindowRecorder(2.5, 10, 1);
    tinyRun(rec);
    const t = toChromeTrace(rec);
    expect(t.traceEvents.filter((e) => e.ph === 'X').map((e) => e.name)).toEqual(['expert 3 ffn']);
    expect(t.otherData.window_start_s).toBe(2.5);
    expect(t.otherData.dropped_events).toBe(1); // the release counter at t=3 did not fit the cap of 1
  });

  it('validateChromeTrace catches malformed events', () => {
    expect(validateChromeTrace({ traceEvents: [{ name: 'a', ph: 'X', pid: 1, tid: 1, ts: -1, dur: 1 }] })).toEqual([
      'traceEvents[0].ts must be a non-negative number of microseconds',
    ]);
    expect(validateChromeTrace({})).toEqual(['traceEvents must be an array']);
  });
});
