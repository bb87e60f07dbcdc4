import { describe, expect, it } from 'vitest';
import { Env, Link, MemoryPool, Server } from '../../src/engine/index.js';
import { TimelineRecorder } from '../../src/metrics/timeline.js';
import { toChromeTrace, validateChromeTrace } from '../../src/report/chrome-trace.js';

/** Kernels of 1 s back to back on one stream from t=0 (k0 [0,1], k1 [1,2], ...), memory +10 per kernel at its start. */
function kernels(rec: TimelineRecorder, n: number): void {
  const env = new Env();
  const gpu = new Server(env, 'gpu0', { trace: rec });
  const mem = new MemoryPool('gpu0 hbm', 1000, { trace: rec, now: () => env.now });
  for (let i = 0; i < n; i++) gpu.submit(1, undefined, { label: `k${i}`, args: { request: `r${i}` }, onStart: () => mem.alloc(`k${i}`, 10) });
  env.run();
}

describe('TimelineRecorder(start, end, maxEvents)', () => {
  it('keeps the window, clips slices crossing its edges and starts counters at their value before it', () => {
    const rec = new TimelineRecorder(1.5, 3.5);
    kernels(rec, 5);
    const src = rec.source();
    expect(src.slices.map((s) => [s.name, s.start, s.end, s.args?.clipped])).toEqual([
      ['k1', 1.5, 2, 'start'],
      ['k2', 2, 3, undefined],
      ['k3', 3, 3.5, 'end'],
    ]);
    // 20 allocated by t=1 (k0, k1); k2 and k3 start inside the window.
    expect(src.counters).toEqual([
      { track: 'gpu0 hbm', time: 1.5, value: 20 },
      { track: 'gpu0 hbm', time: 2, value: 30 },
      { track: 'gpu0 hbm', time: 3, value: 40 },
    ]);
    expect(src.dropped).toBe(0);
    expect(src.completeUntil).toBe(3.5);
  });

  it('at the cap, keeps a complete prefix and says where it ends', () => {
    // Counters come at each kernel's start, slices at its end: the 4th event recorded is k1's
    // slice, so the cap of 4 holds mem@0, k0, mem@1, k1; mem@2 (t=2) is the first dropped.
    const rec = new TimelineRecorder(0, Infinity, 4);
    kernels(rec, 5);
    const src = rec.source();
    expect(src.completeUntil).toBe(2);
    expect(src.slices.map((s) => s.name)).toEqual(['k0', 'k1']);
    expect(src.counters.map((c) => c.time)).toEqual([0, 1]);
    expect(src.dropped).toBe(3 + 3); // mem@2,3,4 and k2,k3,k4
    const t = toChromeTrace(src);
    expect(t.otherData).toMatchObject({ complete_until_s: 2, dropped_events: 6, max_events: 4, window_start_s: 0, window_end_s: 'end of run' });
    expect(validateChromeTrace(t)).toEqual([]);
  });

  it('puts a GPU, its PCIe link and its memory under one process', () => {
    const rec = new TimelineRecorder();
    const env = new Env();
    new Link(env, 'gpu0 pcie', { bandwidth: 10, trace: rec }).transfer(10, { label: 'load' });
    new Server(env, 'gpu0', { trace: rec }).submit(0.5, undefined, { label: 'block' });
    env.run();
    const t = toChromeTrace(rec.source());
    expect(t.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args!.name)).toEqual(['gpu0']);
  });

  it('rejects an empty window and a cap below 1', () => {
    expect(() => new TimelineRecorder(2, 2)).toThrow(/0 <= start < end/);
    expect(() => new TimelineRecorder(0, 1, 0)).toThrow(/positive integer/);
  });
});
