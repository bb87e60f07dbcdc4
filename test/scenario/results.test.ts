import { describe, expect, it } from 'vitest';
import { meanCI, pairedDifference } from '../../src/metrics/ci.js';
import { REGISTRY } from '../fixtures/registry.js';
import { resultsCsv, resultsLongCsv } from '../../src/report/csv.js';
import type { JobResult } from '../../src/scenario/execute.js';
import { loadScenarioSource } from '../../src/scenario/load.js';
import { jobsOf } from '../../src/scenario/plan.js';
import { assembleResults, jobResultsOf, meanMetrics } from '../../src/scenario/results.js';
import { parseScenarioText } from '../../src/scenario/source.js';

// t_{0.975, 2} from a printed t table (4.303), to more digits.
const T2 = 4.302652729749464;

const plan = loadScenarioSource(
  parseScenarioText(
    'name: ci\nsystem: edit\nreplications: 3\npolicies:\n  - label: a\n    policy: {}\n  - label: b\n    policy: { order: sjf }\n',
    'ci.yaml',
  ),
  '.',
  { registry: REGISTRY },
).plan;

/** Fabricated job results: latency and throughput per (policy, replication). */
function jobs(lat: Record<string, number[]>, thr: Record<string, number[]>): JobResult[] {
  return jobsOf(plan).map((j) => {
    const label = plan.policies[j.policy]!;
    return {
      index: j.index,
      point: j.point,
      policy: j.policy,
      replication: j.replication,
      seed: j.seed,
      metrics: { latency_ms: { mean: lat[label]![j.replication]! }, throughput_per_s: thr[label]![j.replication]!, requests: { arrived: 10 } },
      conservation: { arrived: 10, completed: 10, rejected: 0, inFlight: 0 },
      simulatedSeconds: 5,
      events: 100,
      latencyCdf: j.replication === 0 ? [{ value: 1, p: 0 }] : undefined,
      utilisation: j.replication === 0 ? [] : undefined,
      wallSeconds: 0.01 * j.index,
    };
  });
}
const meta = { startedAt: new Date(0), finishedAt: new Date(1000), jobs: 1 };

describe('meanCI and pairedDifference against hand computation', () => {
  it('meanCI([10, 12, 14]) = 12 +/- t(0.975, 2) * 2 / sqrt(3)', () => {
    const ci = meanCI([10, 12, 14]);
    expect(ci.mean).toBe(12);
    expect(ci.ci95).toBeCloseTo((T2 * 2) / Math.sqrt(3), 10); // 4.96828
    expect(ci.ci95).toBeCloseTo(4.96828, 5);
  });

  it('pairedDifference uses the per-replication differences', () => {
    // b - a = [-3, -2, -3]: mean -8/3, sd sqrt(1/3), half-width t * sd / sqrt(3) = 1.43422.
    const d = pairedDifference([10, 12, 14], [7, 10, 11], null);
    expect(d.mean).toBeCloseTo(-8 / 3, 12);
    expect(d.ci95).toBeCloseTo(1.43422, 5);
    expect(d.relative).toBeCloseTo(-8 / 3 / 12, 12);
    expect(d.significant).toBe(true);
    // Unpaired intervals overlap ([7.03, 16.97] and [5.51, 13.16]); pairing is what separates them.
    expect(pairedDifference([10, 12, 14], [8, 11, 11], null).significant).toBe(false);
  });
});

describe('assembleResults(plan, jobs)', () => {
  const r = assembleResults(plan, jobs({ a: [10, 12, 14], b: [7, 10, 11] }, { a: [5, 5, 5], b: [5, 5, 5] }), meta);

  it('gives each run the mean metrics and a 95% interval per metric', () => {
    expect(r.runs.map((x) => x.policy)).toEqual(['a', 'b']);
    expect(r.runs[0]!.metrics).toEqual({ latency_ms: { mean: 12 }, throughput_per_s: 5, requests: { arrived: 10 } });
    expect(r.runs[1]!.metrics).toEqual({ latency_ms: { mean: 9.33333 }, throughput_per_s: 5, requests: { arrived: 10 } });
    expect(r.runs[0]!.intervals!['latency_ms.mean']).toEqual({ mean: 12, ci95: 4.96828, lo: 7.03172, hi: 16.9683, n: 3 });
    expect(r.runs[0]!.replications.map((x) => x.seed)).toEqual([1, 2, 3]);
    expect(r.runs[1]!.replications.map((x) => x.seed)).toEqual([1, 2, 3]); // common random numbers
  });

  it('compares policies pairwise and names the better one only when significant', () => {
    const lat = r.comparisons.find((c) => c.metric === 'latency_ms.mean')!;
    expect(lat).toMatchObject({ a: 'a', b: 'b', better: 'b' });
    expect(lat.difference).toMatchObject({ mean: -2.66667, ci95: 1.43422, relative: -0.222222, significant: true, n: 3 });
    const thr = r.comparisons.find((c) => c.metric === 'throughput_per_s')!;
    expect(thr.better).toBeNull();
    expect(thr.difference.significant).toBe(false);
  });

  it('picks a winner per directional metric and reports ties', () => {
    expect(r.winners.find((w) => w.metric === 'latency_ms.mean')).toMatchObject({ policy: 'b', direction: 'lower', runner_up: 'a', significant: true, tie: false });
    expect(r.winners.find((w) => w.metric === 'throughput_per_s')).toMatchObject({ direction: 'higher', tie: true, significant: false });
    expect(r.winners.find((w) => w.metric === 'requests.arrived')).toBeUndefined(); // a count has no direction
  });

  it('writes a flat CSV (one row per run, a column per metric) and a tidy one (a row per metric)', () => {
    const lines = resultsCsv(r).trimEnd().split('\n');
    // Headline metrics here: latency_ms.mean and throughput_per_s; their interval bounds come last.
    expect(lines[0]).toBe('point,policy,replications,status,latency_ms.mean,throughput_per_s,requests.arrived,latency_ms.mean_lo,latency_ms.mean_hi,throughput_per_s_lo,throughput_per_s_hi');
    // a: [10, 12, 14] -> 12 +/- t(0.975, 2) * 2 / sqrt(3) = 12 +/- 4.96828; throughput 5 on every replication: 5 +/- 0.
    expect(lines[1]).toBe('0,a,3,stable,12,5,10,7.03172,16.9683,5,5');
    expect(lines).toHaveLength(3);
    const long = resultsLongCsv(r).trimEnd().split('\n');
    expect(long[0]).toBe('point,policy,metric,value,ci95,lo,hi,n');
    expect(long).toHaveLength(1 + 2 * 3);
    expect(long[1]).toBe('0,a,latency_ms.mean,12,4.96828,7.03172,16.9683,3');
  });

  it('round-trips through results.json (merge and --resume rebuild the same file)', () => {
    const again = assembleResults(plan, jobResultsOf(plan, JSON.parse(JSON.stringify(r))), meta);
    expect(JSON.stringify(again)).toBe(JSON.stringify(r));
  });

  it('marks missing runs and stays consistent with partial replications', () => {
    const partial = assembleResults(plan, jobs({ a: [10, 12, 14], b: [7, 10, 11] }, { a: [5, 5, 5], b: [5, 5, 5] }).slice(0, 4), meta);
    expect(partial.complete).toBe(false);
    expect(partial.missing).toEqual(['p0/b/r1', 'p0/b/r2']);
    expect(partial.runs[1]!.replications).toHaveLength(1);
    expect(partial.comparisons.find((c) => c.metric === 'latency_ms.mean')!.difference.n).toBe(1);
  });
});

describe('meanMetrics(ms)', () => {
  it('averages leaves of nested metrics; a null (NaN) leaf stays null', () => {
    const m = meanMetrics([
      { a: 1, b: { c: 2, d: null as unknown as number } },
      { a: 3, b: { c: 4, d: 1 } },
    ]);
    expect(m).toEqual({ a: 2, b: { c: 3, d: NaN } });
  });
});
