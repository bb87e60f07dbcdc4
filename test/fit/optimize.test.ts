/** levenbergMarquardt and kendallTau against problems solved by hand. */
import { describe, expect, it } from 'vitest';
import { kendallPairs, kendallTau } from '../../src/fit/kendall.js';
import { levenbergMarquardt } from '../../src/fit/optimize.js';

describe('levenbergMarquardt(f, bounds)', () => {
  it('recovers a and b of y = a exp(b t) from exact data (relative residuals)', async () => {
    const t = [0, 1, 2, 3, 4];
    const y = t.map((x) => 2 * Math.exp(0.5 * x));
    const r = await levenbergMarquardt(async ([a, b]) => t.map((x, i) => (a! * Math.exp(b! * x)) / y[i]! - 1), [
      { lo: 0.1, hi: 10 },
      { lo: 0.01, hi: 3 },
    ]);
    expect(r.x[0]).toBeCloseTo(2, 6);
    expect(r.x[1]).toBeCloseTo(0.5, 6);
    expect(r.atBound).toEqual([false, false]);
  });

  it('stops on a bound when the optimum lies outside it', async () => {
    const r = await levenbergMarquardt(async ([a]) => [a! / 5 - 1], [{ lo: 1, hi: 3 }]);
    expect(r.x[0]).toBeCloseTo(3, 9);
    expect(r.atBound).toEqual([true]);
  });

  it('gives the delta-method standard error of a one-parameter fit: k* = sum(1/m)/sum(1/m^2), var ln k = s^2 / sum (k/m)^2', async () => {
    // Model: every run simulates k; measured m = [1, 2]. By hand: k* = 1.5 / 1.25 = 1.2; residuals
    // 0.2, -0.4; s^2 = 0.2 / (2 - 1); J = k/m = [1.2, 0.6]; var = 0.2 / 1.8; sd = 1/3.
    const m = [1, 2];
    const r = await levenbergMarquardt(async ([k]) => m.map((v) => k! / v - 1), [{ lo: 0.01, hi: 100 }]);
    expect(r.x[0]).toBeCloseTo(1.2, 7);
    // Forward differences with a 1% step overestimate J by (e^0.01 - 1)/0.01 = 1.005.
    expect(r.relStdErr[0]).toBeCloseTo(1 / 3 / 1.005, 3);
  });

  it('reports no standard error when the data pin the parameters exactly (n = p)', async () => {
    const r = await levenbergMarquardt(async ([k]) => [k! / 4 - 1], [{ lo: 1, hi: 10 }]);
    expect(r.x[0]).toBeCloseTo(4, 8);
    expect(r.relStdErr[0]).toBeNaN();
  });
});

describe('kendallTau(a, b)', () => {
  it('is 1 for the same order, -1 reversed, 1/3 with one swapped pair of three', () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(kendallTau([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 / 3, 12);
  });

  it('is tau-b with ties: [1,1,2] vs [1,2,3] = 2 / sqrt(3 * 2)', () => {
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 12);
  });

  it('is NaN for a constant list', () => {
    expect(kendallTau([1, 1], [1, 2])).toBeNaN();
  });
});

describe('kendallPairs(a, b, tiedB)', () => {
  it('counts pairs: [1,2,3] vs [1,3,2] has 2 concordant, 1 discordant of 3', () => {
    expect(kendallPairs([1, 2, 3], [1, 3, 2])).toEqual({ tau: 1 / 3, concordant: 2, discordant: 1, tiesA: 0, tiesB: 0, pairs: 3 });
  });

  it('include() keeps only the pairs of one group: two machines, one swapped pair on each', () => {
    // Items 0-2 on machine A, 3-4 on B. Within A: a = 1,2,3, b = 1,3,2: C = 2, D = 1. Within B:
    // a = 5,4 vs b = 4,5: D = 1. Cross-machine pairs (6 of them) are not counted.
    const group = ['A', 'A', 'A', 'B', 'B'];
    const k = kendallPairs([1, 2, 3, 5, 4], [1, 3, 2, 4, 5], undefined, (i, j) => group[i] === group[j]);
    expect(k).toMatchObject({ concordant: 2, discordant: 2, tiesA: 0, tiesB: 0, pairs: 4 });
    expect(k.tau).toBe(0);
    // All pairs: the cross-machine ones all agree (B's items are larger in both lists).
    expect(kendallPairs([1, 2, 3, 5, 4], [1, 3, 2, 4, 5])).toMatchObject({ concordant: 8, discordant: 2, pairs: 10 });
  });

  it('a pair declared tied in b is a tie, not a disagreement', () => {
    // a orders 0<1<2; b orders 0<2<1, but items 1 and 2 are within spread: C = 2 (0-1, 0-2),
    // D = 0, one tie in b: tau-b = 2 / sqrt(3 * 2).
    const tied = (i: number, j: number) => i === 1 && j === 2;
    const k = kendallPairs([1, 2, 3], [1, 3, 2], tied);
    expect(k).toMatchObject({ concordant: 2, discordant: 0, tiesA: 0, tiesB: 1, pairs: 3 });
    expect(k.tau).toBeCloseTo(2 / Math.sqrt(6), 12);
  });

  it('every pair tied in b: NaN (the measurement orders nothing)', () => {
    const k = kendallPairs([1, 2, 3], [3, 2, 1], () => true);
    expect(k.tau).toBeNaN();
    expect(k).toMatchObject({ concordant: 0, discordant: 0, tiesB: 3 });
  });

  it('reversed with one tied pair: C = 0, D = 2, tau-b = -2 / sqrt(6)', () => {
    const k = kendallPairs([1, 2, 3], [30, 20, 10], (i, j) => i === 0 && j === 1);
    expect(k).toMatchObject({ concordant: 0, discordant: 2, tiesB: 1 });
    expect(k.tau).toBeCloseTo(-2 / Math.sqrt(6), 12);
  });
});
