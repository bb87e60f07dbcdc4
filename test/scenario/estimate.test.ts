/** The work estimate before a run, on hand-computed inputs; and a --set replacing a sweep. */
import { describe, expect, it } from 'vitest';
import { BASE_BYTES, bytes, count, duration, estimateFromUnits, judge, STARTUP_S } from '../../src/scenario/estimate.js';
import { overrideSweep } from '../../src/scenario/sweep.js';
import type { WorkModel } from '../../src/systems/types.js';

const work: WorkModel = { unit: 'request', field: 'workload.generator.requests', units: () => 0, secondsPerUnit: 1e-3, secondsPerRun: 0.5, bytesPerUnit: 100, source: 'test' };
const GiB = 2 ** 30;
const limits = { maxSeconds: 24 * 3600, quietBelowSeconds: 5, memoryBytes: 16 * GiB, yes: false, jobsGiven: false };

describe('estimateFromUnits', () => {
  it('units x cost + runs x set-up, over the threads, plus start-up', () => {
    // 4 runs of 1000 and 2 of 4000 requests: 12000 x 1 ms + 6 x 0.5 s = 15 s of CPU on 3 threads.
    const e = estimateFromUnits({ work }, [1000, 1000, 1000, 1000, 4000, 4000], 3)!;
    expect(e.units).toBe(12000);
    expect(e.maxUnitsPerRun).toBe(4000);
    expect(e.cpuSeconds).toBeCloseTo(15, 10);
    expect(e.wallSeconds).toBeCloseTo(STARTUP_S + 5, 10);
    expect(e.bytesPerRun).toBe(400_000);
    // More threads than runs do not help.
    expect(estimateFromUnits({ work }, [1000], 8)!.width).toBe(1);
    expect(estimateFromUnits({}, [1000], 8)).toBeUndefined();
  });
});

describe('judge', () => {
  it('short runs say nothing; longer ones get one line with the estimate', () => {
    expect(judge(estimateFromUnits({ work }, [1000], 1)!, limits)).toEqual({});
    // 100 runs x (10k x 1 ms + 0.5 s) = 1050 s on 2 threads + 1.5 = 526.5 s: about 9 min.
    const v = judge(estimateFromUnits({ work }, Array(100).fill(10_000), 2)!, limits);
    expect(v.refuse).toBeUndefined();
    expect(v.note).toBe('estimate: about 9 min for 1M requests in 100 runs on 2 threads, at about 1 ms a request (test)');
  });

  it('refuses 10^12 requests: the samples alone outgrow the memory, --yes or not', () => {
    const e = estimateFromUnits({ work }, [1e12], 1)!;
    for (const yes of [false, true]) {
      const v = judge(e, { ...limits, yes });
      // 1e12 x 100 bytes + 200 MiB = 90.9 TiB.
      expect(v.refuse).toBe('this run cannot finish here: its largest run needs about 91 TiB of memory (1.0e12 requests x 100 bytes for exact percentiles) and this machine has 16 GiB; lower workload.generator.requests or use a shorter trace');
    }
  });

  it('more than a day needs --yes', () => {
    // 10 runs x 1e7 requests x 1 ms = 1e5 s (+5 s set-up) on 1 thread: about 28 h; 1 GB a run fits.
    const e = estimateFromUnits({ work }, Array(10).fill(1e7), 1)!;
    expect(judge(e, limits).refuse).toMatch(/^this run would take about 28 h \(estimate: 100M requests in 10 runs on 1 thread, .*\); pass --yes to run it anyway/);
    expect(judge(e, { ...limits, yes: true })).toEqual({ note: expect.stringMatching(/^estimate: about 28 h for/) });
  });

  it('runs that fit one at a time but not all at once: fewer threads, or a refusal of an explicit --jobs', () => {
    // 4 GiB of samples a run, 16 GiB: (16 GiB - 200 MiB) / 4 GiB -> 3 at a time, not 8.
    const cheap = { ...work, secondsPerUnit: 1e-7 };
    const e = estimateFromUnits({ work: cheap }, Array(8).fill((4 * GiB) / 100), 8)!;
    const v = judge(e, limits);
    expect(v.width).toBe(3);
    expect(v.note).toMatch(/; 3 runs at a time so their samples fit in memory$/);
    expect(judge(e, { ...limits, jobsGiven: true }).refuse).toMatch(/^--jobs 8: 8 runs at once need about 32 GiB .*use --jobs 3 or fewer$/);
    expect(BASE_BYTES + 3 * e.bytesPerRun).toBeLessThanOrEqual(16 * GiB);
  });

  it('formats durations, counts and sizes', () => {
    expect([duration(0.2), duration(40), duration(89), duration(600), duration(5400), duration(3 * 86400), duration(2e8)]).toEqual(['about 1 s', 'about 40 s', 'about 89 s', 'about 10 min', 'about 1.5 h', 'about 3 days', 'about 6.3 years']);
    expect([count(8100), count(81_000), count(8.1e6), count(1e12)]).toEqual(['8100', '81k', '8.1M', '1.0e12']);
    expect([bytes(300 * 2 ** 20), bytes(1.5 * GiB)]).toEqual(['300 MiB', '1.5 GiB']);
  });
});

describe('overrideSweep: a --set on a swept field', () => {
  const raw = { policies: [{ label: 'a', policy: {} }, { label: 'b', policy: {} }], sweep: { 'workload.generator.rps': [0.3, 0.6, 0.9], 'policy.x': [1, 2], hardware: [{ gpu: 'a' }] } };
  it('the same field or a parent of it replaces that sweep entry, naming its values', () => {
    const same = overrideSweep(raw, [['workload', 'generator', 'rps']], 'workload.generator.rps=0.8');
    expect(same.replaced).toEqual([{ key: 'workload.generator.rps', values: '0.3, 0.6, 0.9' }]);
    expect(Object.keys(same.raw.sweep as object)).toEqual(['policy.x', 'hardware']);
    const parent = overrideSweep(raw, [['workload', 'generator']], 'workload.generator={rps: 1}');
    expect(parent.replaced.map((r) => r.key)).toEqual(['workload.generator.rps']);
    // policy.x=3 writes the field in every policy: the whole sweep entry goes.
    const all = overrideSweep(raw, [['policies', 0, 'policy', 'x'], ['policies', 1, 'policy', 'x']], 'policy.x=3');
    expect(all.replaced).toEqual([{ key: 'policy.x', values: '1, 2' }]);
    expect(overrideSweep(raw, [['seed']], 'seed=3')).toEqual({ raw, replaced: [] });
  });
  it('a set of only some swept fields, or inside a swept value, is refused', () => {
    expect(() => overrideSweep(raw, [['policies', 1, 'policy', 'x']], 'policies[1].policy.x=3')).toThrow(/sets only some of the fields the sweep over 'policy.x' varies/);
    expect(() => overrideSweep(raw, [['hardware', 'gpus']], 'hardware.gpus=4')).toThrow(/writes inside 'hardware', which the sweep replaces at every point/);
  });
});
