// ganttWindow sorts only the slices that decide or fill the window (selecting the window's first
// and last slice with a bounded heap) and downsamples counters off the recorder's columns; the
// result must be what sorting every recorded slice and grouping counter objects gave (the
// previous implementation, kept here as the reference).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../src/metrics/recorders.js';
import { ganttWindow } from '../../src/scenario/execute.js';

function reference(rec: WindowRecorder, slices: number, simulatedSeconds: number) {
  const all = rec.slices.slice().sort((a, b) => a.start - b.start || a.end - b.end || (a.track < b.track ? -1 : a.track > b.track ? 1 : 0));
  let horizon = simulatedSeconds;
  if (rec.dropped > 0 && all.length > 0) {
    const longest = all.reduce((m, s) => Math.max(m, s.end - s.start), 0);
    horizon = Math.max(0, all.reduce((m, s) => Math.max(m, s.end), 0) - longest);
  }
  const usable = all.filter((s) => s.start <= horizon);
  let from = 0;
  let to = 0;
  if (usable.length > 0) {
    const mid = horizon / 2;
    let i0 = usable.findIndex((s) => s.start >= mid);
    if (i0 < 0) i0 = usable.length - 1;
    i0 = Math.max(0, Math.min(i0, usable.length - slices));
    const i1 = Math.min(usable.length - 1, i0 + slices - 1);
    from = usable[i0]!.start;
    to = Math.max(usable[i1]!.start, from);
    if (to === from) to = usable[i1]!.end;
  }
  const inWindow = all
    .filter((s) => s.end >= from && s.start <= to)
    .slice(0, slices * 4)
    .map((s) => ({ track: s.track, name: s.name, start_s: Math.max(s.start, from), end_s: Math.min(s.end, to) }));
  return { from_s: from, to_s: to, slices: inWindow, counters: referenceCounters(rec, horizon) };
}

function referenceCounters(rec: WindowRecorder, horizon: number) {
  const byTrack = new Map<string, Array<{ time: number; value: number }>>();
  for (const c of rec.counters) {
    if (c.time > horizon && rec.dropped > 0) continue;
    let arr = byTrack.get(c.track);
    if (!arr) byTrack.set(c.track, (arr = []));
    arr.push({ time: c.time, value: c.value });
  }
  const out: Array<{ track: string; t_s: number; value: number; max: number }> = [];
  for (const track of [...byTrack.keys()].sort()) {
    const pts = byTrack.get(track)!;
    const end = pts[pts.length - 1]!.time;
    const width = end > 0 ? end / 300 : 1;
    let bin = -1;
    for (const p of pts) {
      const b = Math.min(299, Math.floor(p.time / width));
      const last = out[out.length - 1];
      if (b !== bin || !last || last.track !== track) {
        out.push({ track, t_s: b * width, value: p.value, max: p.value });
        bin = b;
      } else {
        last.value = p.value;
        last.max = Math.max(last.max, p.value);
      }
    }
  }
  return out;
}

describe('ganttWindow', () => {
  it('gives the window of a full sort, ties and a full recorder included', () => {
    const slice = fc.record({ track: fc.constantFrom('gpu', 'cpu', 'pcie'), name: fc.constantFrom('a', 'b', 'c'), start: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 0, max: 6 }) });
    fc.assert(
      fc.property(fc.array(slice, { maxLength: 120 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 10, max: 200 }), fc.integer({ min: 0, max: 60 }), (xs, slices, cap, sim) => {
        const rec = new WindowRecorder(0, Infinity, cap);
        // A counter sample after every third slice (two tracks, values from the slice), so the
        // cap cuts both kinds.
        xs.forEach((x, i) => {
          rec.slice(x.track, x.name, x.start / 4, (x.start + x.len) / 4);
          if (i % 3 === 0) rec.counter(x.len % 2 ? 'queue' : 'memory', (x.start + x.len) / 4, x.len * 7 - x.start);
        });
        const got = ganttWindow(rec, slices, sim / 2);
        const want = reference(rec, slices, sim / 2);
        expect({ from_s: got.from_s, to_s: got.to_s, slices: got.slices, counters: got.counters }).toStrictEqual(want);
        expect(got.dropped).toBe(rec.dropped);
      }),
      { numRuns: 500 },
    );
  });

  it('picks the slices from the middle of a hand-made run', () => {
    const rec = new WindowRecorder();
    for (let i = 0; i < 10; i++) rec.slice('gpu', `op${i}`, i, i + 1);
    const g = ganttWindow(rec, 2, 10);
    // mid = 5: slices starting at 5 and 6 decide the window [5, 6]; 4..7 overlap it.
    expect([g.from_s, g.to_s]).toEqual([5, 6]);
    expect(g.slices.map((s) => s.name)).toEqual(['op4', 'op5', 'op6']);
  });
});
