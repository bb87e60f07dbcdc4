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
});
