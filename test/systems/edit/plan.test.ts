import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planPipeline, planRuns, runTimes, stepTimes, type StepTimes } from '../../../src/systems/edit/plan.js';

const out = (): StepTimes => ({ time: 0, compute: 0, load: 0 });
const f64 = (xs: number[]) => Float64Array.from(xs);

/** Every decision vector, evaluated with the max-plus recurrence: the DP must match the minimum. */
function bruteForce(l: number[], c: number[], f: number[]): number {
  const k = l.length;
  let best = Infinity;
  const d = new Uint8Array(k);
  for (let mask = 0; mask < 1 << k; mask++) {
    for (let b = 0; b < k; b++) d[b] = (mask >> b) & 1;
    best = Math.min(best, stepTimes(l, c, f, d, true, out()).time);
  }
  return best;
}

describe('stepTimes(l, c, f, decisions, overlapped)', () => {
  // Three blocks: loads 2, 1, 3; masked computes 1, 2, 1; full recomputes 1.5, 5, 5.
  const l = [2, 1, 3];
  const c = [1, 2, 1];
  const f = [1.5, 5, 5];

  it('sequential loading is the sum of load + compute per block', () => {
    const t = stepTimes(l, c, f, [1, 1, 1], false, out());
    expect(t).toEqual({ time: 2 + 1 + 1 + 2 + 3 + 1, compute: 4, load: 6 });
  });

  it('the overlapped pipeline follows the max-plus recurrence', () => {
    // L = 2, C = max(0, 2) + 1 = 3; L = 3, C = max(3, 3) + 2 = 5; L = 6, C = max(5, 6) + 1 = 7.
    expect(stepTimes(l, c, f, [1, 1, 1], true, out())).toEqual({ time: 7, compute: 4, load: 6 });
    // Recompute block 0: C = 1.5; L = 1, C = max(1.5, 1) + 2 = 3.5; L = 4, C = max(3.5, 4) + 1 = 5.
    expect(stepTimes(l, c, f, [0, 1, 1], true, out())).toEqual({ time: 5, compute: 4.5, load: 4 });
    // All recompute: 11.5, nothing loaded.
    expect(stepTimes(l, c, f, [0, 0, 0], true, out())).toEqual({ time: 11.5, compute: 11.5, load: 0 });
  });

  it('planPipeline picks the hand-computed optimum', () => {
    const d = new Uint8Array(3);
    expect(planPipeline(l, c, f, d)).toBe(5);
    expect([...d]).toEqual([0, 1, 1]);
    expect(bruteForce(l, c, f)).toBe(5);
  });
});

describe('planPipeline(l, c, f, out): the DP over blocks', () => {
  const price = fc.integer({ min: 0, max: 40 }).map((x) => x / 4);
  const block = fc.tuple(price, price, price).map(([l, c, extra]) => ({ l, c, f: c + extra })); // recompute >= masked compute
  it('equals brute force over all 2^k decisions (k <= 10) and its decisions achieve it', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 10 }), (bs) => {
        const l = bs.map((b) => b.l);
        const c = bs.map((b) => b.c);
        const f = bs.map((b) => b.f);
        const d = new Uint8Array(bs.length);
        const t = planPipeline(l, c, f, d);
        expect(t).toBeCloseTo(bruteForce(l, c, f), 9);
        expect(stepTimes(l, c, f, d, true, out()).time).toBeCloseTo(t, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('is never worse than loading everything or recomputing everything', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 40 }), (bs) => {
        const l = bs.map((b) => b.l);
        const c = bs.map((b) => b.c);
        const f = bs.map((b) => b.f);
        const t = planPipeline(l, c, f, new Uint8Array(bs.length));
        expect(t).toBeLessThanOrEqual(stepTimes(l, c, f, new Uint8Array(bs.length).fill(1), true, out()).time + 1e-9);
        expect(t).toBeLessThanOrEqual(f.reduce((a, b) => a + b, 0) + 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});

describe('planRuns(prices, recompute): the DP over runs of identical blocks', () => {
  const price = fc.integer({ min: 1, max: 40 }).map((x) => x / 4);
  const run = fc.record({ n: fc.integer({ min: 1, max: 5 }), l: price, c: price, extra: fc.integer({ min: 0, max: 40 }).map((x) => x / 4) });
  it('matches the block DP and brute force (recomputing a prefix of each run loses nothing)', () => {
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 4 }).filter((rs) => rs.reduce((a, r) => a + r.n, 0) <= 11), (rs) => {
        const p = { n: Int32Array.from(rs, (r) => r.n), l: f64(rs.map((r) => r.l)), c: f64(rs.map((r) => r.c)), f: f64(rs.map((r) => r.c + r.extra)) };
        const l: number[] = [];
        const c: number[] = [];
        const f: number[] = [];
        rs.forEach((r) => {
          for (let j = 0; j < r.n; j++) {
            l.push(r.l);
            c.push(r.c);
            f.push(r.c + r.extra);
          }
        });
        const rec = new Int32Array(rs.length);
        const t = planRuns(p, rec);
        expect(t).toBeCloseTo(bruteForce(l, c, f), 9);
        expect(t).toBeCloseTo(planPipeline(l, c, f, new Uint8Array(l.length)), 9);
        // runTimes of the chosen prefixes equals the block recurrence on the expanded decisions.
        const d: number[] = [];
        rs.forEach((r, i) => {
          for (let j = 0; j < r.n; j++) d.push(j < rec[i]! ? 0 : 1);
        });
        const byRuns = runTimes(p, rec, true, out());
        const byBlocks = stepTimes(l, c, f, d, true, out());
        expect(byRuns.time).toBeCloseTo(t, 9);
        expect(byRuns.time).toBeCloseTo(byBlocks.time, 9);
        expect(byRuns.compute).toBeCloseTo(byBlocks.compute, 9);
        expect(byRuns.load).toBeCloseTo(byBlocks.load, 9);
        expect(runTimes(p, rec, false, out()).time).toBeCloseTo(stepTimes(l, c, f, d, false, out()).time, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('handles a 70-block model shape (3 runs) in well under a millisecond', () => {
    const p = { n: Int32Array.from([4, 60, 6]), l: f64([0.9, 0.45, 0.9]), c: f64([0.3, 0.25, 0.3]), f: f64([1.2, 0.8, 1.2]) };
    const r = new Int32Array(3);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) planRuns(p, r);
    expect((performance.now() - t0) / 100).toBeLessThan(1);
    const expand = (xs: Float64Array) => [...p.n].flatMap((n, i) => Array<number>(n).fill(xs[i]!));
    expect(planRuns(p, r)).toBeCloseTo(planPipeline(expand(p.l), expand(p.c), expand(p.f), new Uint8Array(70)), 9);
  });
});
