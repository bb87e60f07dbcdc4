import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../fixtures/registry.js';
import { compactTable, verdictOf } from '../../src/report/headline.js';
import type { JobResult } from '../../src/scenario/execute.js';
import { loadScenarioSource } from '../../src/scenario/load.js';
import { jobsOf } from '../../src/scenario/plan.js';
import { assembleResults } from '../../src/scenario/results.js';
import { parseScenarioText } from '../../src/scenario/source.js';

const plan = loadScenarioSource(
  parseScenarioText(
    'name: v\nsystem: edit\nreplications: 3\npolicies:\n  - label: base\n    policy: {}\n  - label: new\n    policy: { order: sjf }\nsweep:\n  workload.generator.rps: [1, 2]\n',
    'v.yaml',
  ),
  '.',
  { registry: REGISTRY },
).plan;

/** latency[point][policy][replication], and the simulated seconds of each job. */
function results(latency: number[][][], seconds: number[][][]) {
  const jobs: JobResult[] = jobsOf(plan).map((j) => ({
    index: j.index,
    point: j.point,
    policy: j.policy,
    replication: j.replication,
    seed: j.seed,
    metrics: { latency_ms: { mean: latency[j.point]![j.policy]![j.replication]! } },
    conservation: { arrived: 100, completed: 100, rejected: 0, inFlight: 0 },
    simulatedSeconds: seconds[j.point]![j.policy]![j.replication]!,
    events: 1,
    latencyCdf: j.replication === 0 ? [] : undefined,
    utilisation: j.replication === 0 ? [] : undefined,
    wallSeconds: 0,
  }));
  return assembleResults(plan, jobs, { startedAt: new Date(0), finishedAt: new Date(0), jobs: 1 });
}

describe('verdictOf(results)', () => {
  it('reports the last point where both policies are stable, and names the saturated ones at the last point', () => {
    const r = results(
      [
        [[100, 110, 120], [80, 90, 96]], // point 0: new is 18-20% lower on every replication
        [[900, 5000, 800], [90, 95, 100]], // point 1: base's queue runs away
      ],
      [
        [[100, 100, 100], [100, 100, 100]],
        [[130, 150, 101], [100, 100, 100]], // base ends 30% and 50% after new on seeds 1 and 2
      ],
    );
    const v = verdictOf(r)!;
    expect(v.point).toBe(0);
    // Paired log-ratios ln 0.8, ln(9/11), ln 0.8: mean -0.215653, s = 0.012975, half-width
    // t(0.975, 2) * s / sqrt(3) = 0.032231 -> exp(.) - 1 = -19.4% (-22.0%..-16.8%).
    expect(v.text).toContain('At workload.generator.rps=1, new has 19.4% lower latency_ms.mean than base (88.67 vs 110; 95% CI of the difference 16.8–22.0%, 3 replications).');
    expect(v.text).toContain('At workload.generator.rps=2 base saturates (2/3 replications; finished 30% later than the fastest policy on the same arrivals), while new stays stable (latency_ms.mean 95).');
    expect(compactTable(r, v.point)).toContain('saturated (2/3)');
  });
  it('reads a comparison stored the other way round as best - other, ratio interval inverted', () => {
    // Stored as new - base: new/base has log-ratio mean +0.215653 (+24.1%, 95% CI +20.1%..+28.1%);
    // base/new - 1 = 1 / (new/base) - 1 = -19.4% (-22.0%..-16.8%), the ends swapped.
    const r = results(
      [
        [[80, 90, 96], [100, 110, 120]],
        [[80, 90, 96], [100, 110, 120]],
      ],
      [
        [[100, 100, 100], [100, 100, 100]],
        [[100, 100, 100], [100, 100, 100]],
      ],
    );
    const v = verdictOf(r)!;
    expect(r.comparisons[0]!.a).toBe('base');
    expect(v.text).toContain('At workload.generator.rps=2, base has 19.4% lower latency_ms.mean than new (88.67 vs 110; 95% CI of the difference 16.8–22.0%, 3 replications).');
  });
  it('does not call a difference below the 1% practical threshold better', () => {
    const r = results(
      [
        [[1000, 1001, 1002], [999, 1000, 1001]], // new is 0.1% lower on every replication: significant, negligible
        [[1000, 1001, 1002], [999, 1000, 1001]],
      ],
      [
        [[100, 100, 100], [100, 100, 100]],
        [[100, 100, 100], [100, 100, 100]],
      ],
    );
    const v = verdictOf(r)!;
    expect(v.text).toContain('no policy is better on latency_ms.mean');
    expect(v.text).toContain('significant but below the 1% practical threshold');
  });
});
