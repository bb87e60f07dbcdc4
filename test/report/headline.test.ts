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
        [[100, 110, 120], [80, 88, 96]], // point 0: new is 20% lower on every replication
        [[900, 5000, 800], [90, 95, 100]], // point 1: base's queue runs away
      ],
      [
        [[100, 100, 100], [100, 100, 100]],
        [[130, 150, 101], [100, 100, 100]], // base ends 30% and 50% after new on seeds 1 and 2
      ],
    );
    const v = verdictOf(r)!;
    expect(v.point).toBe(0);
    // Paired differences -20, -22, -24: mean -22, base mean 110 -> 20.0% lower; the interval is
    // -22 +/- t(0.975, 2) * 2 / sqrt(3) = -22 +/- 4.968 -> [-26.97, -17.03] / 110 = 15.5%..24.5%.
    expect(v.text).toContain('At workload.generator.rps=1, new has 20.0% lower latency_ms.mean than base (88 vs 110; 95% CI of the difference 15.5–24.5%, 3 replications).');
    expect(v.text).toContain('At workload.generator.rps=2 base saturates (2/3 replications; finished 30% later than the fastest policy on the same arrivals), while new stays stable (latency_ms.mean 95).');
    expect(compactTable(r, v.point)).toContain('saturated (2/3)');
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
