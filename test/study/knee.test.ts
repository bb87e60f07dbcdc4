import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { knee, reach } from '../../src/study/knee.js';

describe('knee(xs, ys)', () => {
  it('finds the point furthest above the chord of a diminishing-returns curve', () => {
    // Scaled: x 0, 1/3, 2/3, 1; y 0, 0.8, 0.9, 1 -> heights above the chord 0.467 and 0.233.
    const k = knee([0, 1, 2, 3], [0, 8, 9, 10]);
    expect(k).toMatchObject({ index: 1, x: 1, y: 8, shape: 'diminishing' });
    expect(k!.bend).toBeCloseTo(0.8 - 1 / 3, 12);
  });

  it('finds where an accelerating curve turns steep', () => {
    const k = knee([10, 20, 30, 40, 50], [1, 1.1, 1.2, 1.5, 5]);
    // Scaled y at x=40: 0.5/4 = 0.125, chord 0.75 -> -0.625, the largest departure.
    expect(k).toMatchObject({ index: 3, x: 40, shape: 'accelerating' });
    expect(k!.bend).toBeCloseTo(0.625, 12);
  });

  it('is orientation-free: a falling curve with a bend has a knee too', () => {
    expect(knee([0, 1, 2, 3], [10, 2, 1, 0])).toMatchObject({ index: 1, shape: 'diminishing' });
  });

  it('returns undefined for straight, flat or too short curves', () => {
    expect(knee([1, 2, 3, 4], [2, 4, 6, 8])).toBeUndefined();
    expect(knee([1, 2, 3], [5, 9, 5])).toBeUndefined(); // no net change: no chord to bend from
    expect(knee([1, 2], [1, 5])).toBeUndefined();
    expect(knee([0, 1, 2, 3], [0, 1.15, 2.1, 3])).toBeUndefined(); // bend 0.05 < minBend 0.1
    expect(knee([0, 1, 2, 3], [0, 1.15, 2.1, 3], { minBend: 0.01 })).toMatchObject({ index: 1 });
  });

  it('rejects unsorted x, mismatched lengths and non-finite values with one line', () => {
    expect(() => knee([1, 1, 2], [1, 2, 3])).toThrow(InputError);
    expect(() => knee([1, 2, 3], [1, 2])).toThrow('3 x values but 2 y values');
    expect(() => knee([1, 2, 3], [1, NaN, 3])).toThrow('point 1 is (2, NaN)');
  });
});

describe('reach(xs, ys, target)', () => {
  it('interpolates the first crossing of the target', () => {
    expect(reach([0, 10, 20], [0, 50, 100], 75)).toBe(15);
    expect(reach([0, 10, 20, 30], [0, 80, 60, 100], 70)).toBeCloseTo(8.75, 12);
  });
  it('is the first x when already there, undefined when never reached', () => {
    expect(reach([5, 6], [9, 10], 8)).toBe(5);
    expect(reach([5, 6], [1, 2], 3)).toBeUndefined();
  });
});
