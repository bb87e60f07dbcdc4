import { describe, expect, it } from 'vitest';
import { UtilisationRecorder } from '../../src/metrics/recorders.js';

describe('UtilisationRecorder.slice(track, name, start, end)', () => {
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
