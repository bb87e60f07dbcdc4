import { describe, expect, it } from 'vitest';
import { UtilisationRecorder } from '../../src/metrics/recorders.js';

describe('UtilisationRecorder.slice(track, name, start, end)', () => {
  it('terminates and keeps the busy time when a slice starts on a bin edge that floor() rounds down', () => {
    // 0.29 / 0.01 = 28.999999999999996: the old loop recomputed floor(t / w) and never advanced.
    const u = new UtilisationRecorder(200, 0.01);
    u.slice('gpu', 'op', 0.29, 0.305);
    u.slice('gpu', 'op', 0.1, 0.3);
    const rows = u.rows().filter((r) => r.resource === 'gpu');
    const busy = rows.reduce((a, r) => a + r.busy * 0.01, 0);
    expect(busy).toBeCloseTo(0.015 + 0.2 - 0.01, 9); // overlap in bin [0.29, 0.30) is capped at 1
    expect(rows[29]!.busy).toBe(1);
    expect(rows[30]!.busy).toBeCloseTo(0.5, 9);
  });

  it('splits a slice across bins exactly', () => {
    const u = new UtilisationRecorder(10, 1);
    u.slice('cpu', 'op', 0.5, 2.25);
    expect(u.rows().map((r) => r.busy)).toEqual([0.5, 1, 0.25]);
  });

  it('terminates and conserves busy time when a bin edge is not exactly representable', () => {
    // With 0.08 s bins, 116 * 0.08 = 9.28 but 9.28 / 0.08 = 115.99999999999999: the edge case that
    // used to loop forever.
    const u = new UtilisationRecorder(200, 0.08);
    u.slice('gpu0', 'x', 6.012813250436674, 10.093133055994244);
    const rows = u.rows().filter((r) => r.resource === 'gpu0');
    const busy = rows.reduce((a, r) => a + r.busy * 0.08, 0);
    expect(busy).toBeCloseTo(10.093133055994244 - 6.012813250436674, 9);
  });
});
