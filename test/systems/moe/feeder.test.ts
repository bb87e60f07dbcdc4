// The feeder's typed token columns (TokenRec.ex / w / pred): built the same from the trace reader's
// cells (nextColumns, no row objects) as from row objects, and laid out as documented.
import { describe, expect, it } from 'vitest';
import { Feeder, type TokenRec } from '../../../src/systems/moe/feeder.js';
import { moeTraceRows } from '../../../src/workloads/moe/index.js';
import { traceFile } from './helpers.js';

const L = 2;
const E = 4;

function tokens(source: Iterable<never> | ReturnType<typeof moeTraceRows>): TokenRec[] {
  const f = new Feeder(source as Iterable<never>, L, 2, L * E, true);
  f.fillSync(() => true);
  return f.pending.flatMap((r) => r.tokens);
}

const view = (t: TokenRec) => ({
  index: t.index,
  ordinal: t.ordinal,
  prefill: t.prefill,
  ex: Array.from(t.ex),
  // Entries 0..L of w sit beside ex's offsets and mean nothing.
  w: t.w ? Array.from(t.w.subarray(L + 1)) : null,
  pred: t.pred ? Array.from(t.pred) : null,
});

describe('Feeder token columns', () => {
  const p = traceFile([
    [0, 0, 0, '1|2', '0.25|0.75', '3', 0.5],
    [0, 0, 1, '3'],
    [0, 1, 0, '0|1|2', '1|1|2'], // three experts at top-2: a prefill step
    [0, 1, 1, '2|0', '', '0|1'],
    [1, 0, 0, '0', undefined, undefined, 1.5],
    [1, 0, 1, '1'],
  ]);

  it('lays out experts after L + 1 offsets, NaN weights for a row without, predictions alike', () => {
    const got = tokens(moeTraceRows(p, { layers: L, experts: E, topK: 2 })).map(view);
    expect(got).toEqual([
      { index: 0, ordinal: 0, prefill: false, ex: [3, 5, 6, 1, 2, 3], w: [0.25, 0.75, NaN], pred: [3, 4, 4, 3] },
      { index: 1, ordinal: 1, prefill: true, ex: [3, 6, 8, 0, 1, 2, 2, 0], w: [1, 1, 2, NaN, NaN], pred: [3, 3, 5, 0, 1] },
      { index: 0, ordinal: 0, prefill: false, ex: [3, 4, 5, 0, 1], w: null, pred: null },
    ]);
  });

  it('builds the same columns from the reader cells as from row objects, and the same next-use lists', () => {
    const opts = { layers: L, experts: E, topK: 2 };
    const fromCells = new Feeder(moeTraceRows(p, opts), L, 2, L * E, true);
    const fromRows = new Feeder([...moeTraceRows(p, opts)], L, 2, L * E, true);
    fromCells.fillSync(() => true);
    fromRows.fillSync(() => true);
    expect(fromCells.pending.flatMap((r) => r.tokens).map(view)).toEqual(fromRows.pending.flatMap((r) => r.tokens).map(view));
    expect(fromCells.pending.map((r) => r.occ)).toEqual(fromRows.pending.map((r) => r.occ));
    expect(fromCells.pending[0]!.occ![1 * E + 3]).toEqual([0]); // layer 1, expert 3: token 0
    expect(fromCells.pending.map((r) => [r.id, r.arrival, r.complete])).toEqual([
      [0, 0.5, true],
      [1, 1.5, true],
    ]);
  });

  it('keeps every token its own columns across many tokens (they share slabs)', () => {
    // 9,000 tokens of 2 layers (10 Int32 and 6 Float64 entries each: several 16k-entry slabs).
    const rows: Parameters<typeof traceFile>[0] = [];
    const n = 9_000;
    for (let t = 0; t < n; t++) {
      rows.push([0, t, 0, `${t % 4}|${(t + 1) % 4}`, '0.5|0.5', `${(t + 2) % 4}`]);
      rows.push([0, t, 1, `${(t + 3) % 4}`, '1', '']);
    }
    const got = tokens(moeTraceRows(traceFile(rows), { layers: L, experts: E, topK: 2 }));
    expect(got).toHaveLength(n);
    for (const t of [0, 1, 3276, 3277, 5000, n - 1]) {
      expect(view(got[t]!)).toEqual({ index: t, ordinal: t, prefill: false, ex: [3, 5, 6, t % 4, (t + 1) % 4, (t + 3) % 4], w: [0.5, 0.5, 1], pred: [3, 4, 4, (t + 2) % 4] });
    }
    // Each view is its own: writing one token's columns leaves its neighbours alone.
    got[100]!.ex.fill(-1);
    expect(Array.from(got[101]!.ex)).toEqual([3, 5, 6, 101 % 4, 102 % 4, 104 % 4]);
    expect(Array.from(got[99]!.ex)).toEqual([3, 5, 6, 99 % 4, 100 % 4, 102 % 4]);
  });
});
