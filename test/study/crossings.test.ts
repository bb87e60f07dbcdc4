import { describe, expect, it } from 'vitest';
import { crossings } from '../../src/study/crossings.js';

describe('crossings(xs, a, b)', () => {
  it('finds where a overtakes b and falls back, interpolated', () => {
    // a - b: -2, 2, 1, -3 -> zero at 1.5 (above) and at 2 + 1/4 (below).
    const c = crossings([1, 2, 3, 4], [0, 4, 4, 0], [2, 2, 3, 3]);
    expect(c).toEqual([
      { x: 1.5, direction: 'above' },
      { x: 3.25, direction: 'below' },
    ]);
  });
  it('crosses through exact ties once, at the tie', () => {
    expect(crossings([0, 1, 2], [-1, 0, 1], 0)).toEqual([{ x: 1, direction: 'above' }]);
  });
  it('a touch without a change of sign is no crossing', () => {
    expect(crossings([0, 1, 2], [1, 0, 1], 0)).toEqual([]);
  });
  it('crossings of a level', () => {
    expect(crossings([1, 2, 3], [1000, 4000, 9000], 5000)).toEqual([{ x: 2.2, direction: 'above' }]);
  });
});
