import { describe, expect, it } from 'vitest';
import { UtilisationRecorder } from '../../src/metrics/recorders.js';

describe('UtilisationRecorder.slice(track, name, start, end)', () => {
  it('terminates and conserves busy time when a slice starts on a bin boundary that rounds down', () => {
    // 0.1 * 3 = 0.30000000000000004 and 0.3 / 0.1 = 2.9999999999999996: the boundary case.
    const rec = new UtilisationRecorder(10, 0.1);
    rec.slice('gpu', 'x', 0.1 * 3, 0.55);
    rec.slice('gpu', 'y', 0.1 * 6, 0.1 * 7);
    const busy = rec.rows().reduce((a, r) => a + r.busy * 0.1, 0);
    expect(busy).toBeCloseTo(0.55 - 0.3 + 0.1, 12);
  });

  it('terminates for many boundary-aligned slices (a step loop of equal steps)', () => {
    const rec = new UtilisationRecorder(200, 0.01);
    let t = 6.165218201746587;
    for (let i = 0; i < 5000; i++) {
      rec.slice('gpu', 's', t, t + 0.054607170808062044);
      t += 0.054607170808062044;
    }
    const rows = rec.rows();
    expect(rows.length).toBeGreaterThan(0);
    expect(Math.max(...rows.map((r) => r.busy))).toBeLessThanOrEqual(1);
  });
});
