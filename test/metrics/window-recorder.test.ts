// WindowRecorder keeps its slices and counters as columns and builds the objects when read: the
// same objects, in recording order, in one array that later reads extend.
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../src/metrics/recorders.js';

describe('WindowRecorder', () => {
  it('gives the slices and counters recorded in the window, in order, args only when kept', () => {
    const rec = new WindowRecorder(1, 5, 6, true);
    rec.slice('gpu', 'a', 0, 0.5); // ends before the window
    rec.slice('gpu', 'b', 0.5, 1.5, { layer: 3 });
    rec.counter('queue', 2, 4);
    rec.slice('pcie', 'c', 4.5, 6);
    rec.counter('queue', 6, 1); // after the window
    rec.slice('gpu', 'd', 5.5, 7); // starts after the window
    expect(rec.slices).toStrictEqual([
      { track: 'gpu', name: 'b', start: 0.5, end: 1.5, args: { layer: 3 } },
      { track: 'pcie', name: 'c', start: 4.5, end: 6 },
    ]);
    expect(rec.counters).toStrictEqual([{ track: 'queue', time: 2, value: 4 }]);
    expect(rec.dropped).toBe(0);
    const noArgs = new WindowRecorder(0, Infinity, 10, false);
    noArgs.slice('gpu', 'b', 0.5, 1.5, { layer: 3 });
    expect(noArgs.slices).toStrictEqual([{ track: 'gpu', name: 'b', start: 0.5, end: 1.5 }]);
    expect(noArgs.detail()).toBe(false);
  });

  it('extends the same array as more is recorded, past its first growth, and counts what the cap drops', () => {
    const rec = new WindowRecorder(0, Infinity, 1000, false);
    for (let i = 0; i < 300; i++) rec.slice(`t${i % 3}`, 'x', i / 10, i / 10 + 0.05);
    // Names compare by value: each `t${i % 3}` is a new string.
    expect(rec.sliceColumns().strings).toStrictEqual(['t0', 'x', 't1', 't2']);
    const first = rec.slices;
    expect(first).toHaveLength(300);
    for (let i = 300; i < 1200; i++) {
      if (i % 2) rec.counter('q', i / 10, i);
      else rec.slice(`t${i % 3}`, 'x', i / 10, i / 10 + 0.05);
    }
    expect(rec.slices).toBe(first);
    // 1000 kept: 300 + 350 slices and 350 counters; the last 200 calls dropped.
    expect(rec.slices).toHaveLength(650);
    expect(rec.counters).toHaveLength(350);
    expect(rec.dropped).toBe(200);
    expect(rec.slices[649]).toStrictEqual({ track: 't2', name: 'x', start: 99.8, end: 998 / 10 + 0.05 }); // i = 998
    expect(rec.counters[0]).toStrictEqual({ track: 'q', time: 30.1, value: 301 });
  });

  it('grows its columns from a small start when the cap is unbounded, keeping what it recorded', () => {
    const rec = new WindowRecorder(0, Infinity, Infinity, false);
    for (let i = 0; i < 5000; i++) {
      if (i % 4 === 0) rec.counter(`q${i % 3}`, i, -i);
      else rec.slice(i % 2 ? 'gpu' : 'pcie', `op${i % 7}`, i, i + 0.5);
    }
    expect(rec.dropped).toBe(0);
    expect(rec.slices).toHaveLength(3750);
    expect(rec.counters).toHaveLength(1250);
    expect(rec.slices[3749]).toStrictEqual({ track: 'gpu', name: `op${4999 % 7}`, start: 4999, end: 4999.5 });
    expect(rec.slices[0]).toStrictEqual({ track: 'gpu', name: 'op1', start: 1, end: 1.5 });
    expect(rec.counters[1249]).toStrictEqual({ track: `q${4996 % 3}`, time: 4996, value: -4996 });
  });

  it('keeps names past 65,536 distinct ones (a system may name its slices per request)', () => {
    const rec = new WindowRecorder(0, Infinity, 100_000, false);
    for (let i = 0; i < 70_000; i++) rec.slice('gpu', `request ${i}`, i, i + 1);
    expect(rec.slices[69_999]).toStrictEqual({ track: 'gpu', name: 'request 69999', start: 69_999, end: 70_000 });
    expect(rec.slices[65_536]!.name).toBe('request 65536');
  });
});
