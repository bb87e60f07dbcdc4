import { describe, expect, it } from 'vitest';
import { formatPath, parsePath, setPath } from '../../src/scenario/paths.js';
import { inShard, jobsOf, parseShard, type Plan } from '../../src/scenario/plan.js';
import { applyParams, rangeValues, sweepAxes, sweepPoints, targetPaths } from '../../src/scenario/sweep.js';

describe('rangeValues(range)', () => {
  it('steps from `from` to `to` inclusive, without float noise', () => {
    expect(rangeValues({ from: 1, to: 7, step: 1 })).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rangeValues({ from: 0.1, to: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(rangeValues({ from: 10, to: 4, step: -3 })).toEqual([10, 7, 4]);
    expect(rangeValues({ from: 1, to: 2, step: 0.4 })).toEqual([1, 1.4, 1.8]);
    expect(() => rangeValues({ from: 1, to: 2, step: -1 })).toThrow(/never reaches/);
  });

  it('spaces `count` values linearly or geometrically', () => {
    expect(rangeValues({ from: 0, to: 1, count: 5, scale: 'linear' })).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(rangeValues({ from: 1, to: 1000, count: 4, scale: 'log' })).toEqual([1, 10, 100, 1000]);
    expect(rangeValues({ from: 3, to: 9, count: 1, scale: 'linear' })).toEqual([3]);
    expect(() => rangeValues({ from: 0, to: 10, count: 3, scale: 'log' })).toThrow(/log range needs/);
  });
});

describe('sweepPoints(axes)', () => {
  it('is the cartesian product in file order, first axis slowest; no sweep is one point', () => {
    const axes = sweepAxes({ a: [1, 2], b: { from: 0, to: 1, count: 2, scale: 'linear' }, c: ['x'] });
    expect(sweepPoints(axes)).toEqual([
      { a: 1, b: 0, c: 'x' },
      { a: 1, b: 1, c: 'x' },
      { a: 2, b: 0, c: 'x' },
      { a: 2, b: 1, c: 'x' },
    ]);
    expect(sweepPoints([])).toEqual([{}]);
  });

  it('applyParams writes policy.X into every policy and leaves the base untouched', () => {
    const base = { policies: [{ label: 'a', policy: { x: 1 } }, { label: 'b' }], workload: { generator: { rps: 1 } } };
    const copy = JSON.parse(JSON.stringify(base));
    const out = applyParams(base, { 'policy.x': 5, 'workload.generator.rps': 3, 'hardware.gpus': 4 }) as any;
    expect(out.policies.map((p: any) => p.policy.x)).toEqual([5, 5]);
    expect(out.workload.generator.rps).toBe(3);
    expect(out.hardware).toEqual({ gpus: 4 });
    expect(base).toEqual(copy);
    expect(targetPaths('policy.cache.size', base)).toEqual([
      ['policies', 0, 'policy', 'cache', 'size'],
      ['policies', 1, 'policy', 'cache', 'size'],
    ]);
  });
});

describe('paths', () => {
  it('parses dotted and bracketed paths and prints them back', () => {
    expect(parsePath('policies[1].policy.cache')).toEqual(['policies', 1, 'policy', 'cache']);
    expect(parsePath('policies.1.policy')).toEqual(['policies', 1, 'policy']);
    expect(formatPath(['policies', 1, 'policy'])).toBe('policies[1].policy');
    for (const bad of ['', '.a', 'a..b', 'a.', 'a[x]']) expect(() => parsePath(bad)).toThrow(/malformed/);
    expect(() => setPath({ a: 3 }, ['a', 'b'], 1)).toThrow(/is a number, not an object/);
  });
});

describe('jobs and shards', () => {
  const plan = { policies: ['a', 'b'], replications: 3, seed: 10, points: [{}, {}], gantt: { point: 1, slices: 10 } } as unknown as Plan;

  it('jobsOf gives every policy the same seeds (common random numbers) and traces replication 0 of the Gantt point', () => {
    const jobs = jobsOf(plan);
    expect(jobs).toHaveLength(12);
    expect(jobs.filter((j) => j.point === 0 && j.policy === 0).map((j) => j.seed)).toEqual([10, 11, 12]);
    expect(jobs.filter((j) => j.point === 0 && j.policy === 1).map((j) => j.seed)).toEqual([10, 11, 12]);
    expect(jobs.filter((j) => j.traced).map((j) => [j.point, j.policy, j.replication])).toEqual([
      [1, 0, 0],
      [1, 1, 0],
    ]);
  });

  it('shards partition the jobs and keep the policies of a replication together', () => {
    const jobs = jobsOf(plan);
    const shards = [0, 1, 2, 3].map((i) => jobs.filter((j) => inShard(plan, j, { index: i, count: 4 })));
    expect(shards.flat().map((j) => j.index).sort((a, b) => a - b)).toEqual(jobs.map((j) => j.index));
    for (const s of shards) {
      for (const j of s) expect(s.some((k) => k.point === j.point && k.replication === j.replication && k.policy !== j.policy)).toBe(true);
    }
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/0 <= I < N/);
    expect(() => parseShard('1-4')).toThrow(/expects I\/N/);
  });
});
