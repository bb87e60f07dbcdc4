import { describe, expect, it } from 'vitest';
import { fidelityMarkdown, rankingOf, type FidelityReport, type FidelityRun, type RunMetrics } from './validate.js';

const metrics = (latency: number): RunMetrics => ({
  latency_mean_ms: latency,
  latency_p50_ms: latency,
  latency_p99_ms: latency,
  unit_mean_ms: latency / 10,
  unit_p50_ms: latency / 10,
  unit_p99_ms: latency / 10,
  throughput_per_s: 1000 / latency,
  makespan_ms: latency * 10,
});

/** A run whose simulated latency is `sim` and whose measured repeats are `meas` (pooled = mean). */
function run(policy: string, sim: number, meas: number[]): FidelityRun {
  const measured = metrics(meas.reduce((a, b) => a + b, 0) / meas.length);
  return {
    workload: 'moe-decode',
    policy,
    unit: 'token',
    simulated: metrics(sim),
    measured,
    error: Object.fromEntries(Object.keys(measured).map((k) => [k, 0])) as FidelityRun['error'],
    measured_runs: meas.map(metrics),
    simulated_runs: [metrics(sim)],
    uploads: 1,
    upload_bytes: 1,
    device_wall_s: 1,
  };
}

describe('rankingOf(runs, metric)', () => {
  it('orders best first on each side and counts agreeing pairs', () => {
    const runs = [run('a', 10, [14, 15, 16]), run('b', 11, [17, 18, 19]), run('c', 12, [20, 21, 22])];
    const r = rankingOf(runs, 'latency_mean_ms', false);
    expect(r.simulated_order).toEqual(['a', 'b', 'c']);
    expect(r.measured_order).toEqual(['a', 'b', 'c']);
    expect(r).toMatchObject({ tau: 1, concordant: 3, discordant: 0, pairs: 3, measured_ties: [], simulated_ties: [] });
    // Throughput: higher is better, the same order.
    expect(rankingOf(runs, 'throughput_per_s', true).simulated_order).toEqual(['a', 'b', 'c']);
  });

  it('a measured difference within the repeats spread is a tie, not a disagreement', () => {
    // Measured a 19-21 (mean 20) and b 17-19 (mean 18) overlap at 19: tied. c 14-16 is apart.
    // Pairs: a-b tied on the device; a-c and b-c reversed: C 0, D 2, tau-b -2 / sqrt(2 * 3).
    const runs = [run('a', 10, [19, 20, 21]), run('b', 11, [17, 18, 19]), run('c', 12, [14, 15, 16])];
    const r = rankingOf(runs, 'latency_mean_ms', false);
    expect(r.measured_order).toEqual(['c', 'b', 'a']);
    expect(r.measured_ties).toEqual([['a', 'b']]);
    expect(r).toMatchObject({ concordant: 0, discordant: 2, pairs: 3 });
    expect(r.tau).toBeCloseTo(-2 / Math.sqrt(6), 12);
  });

  it('states how far apart the simulator puts the policies next to the device repeats spread', () => {
    // Simulated 10, 11, 12: (12 - 10) / 11. Measured repeats a 19-21 (2/20), b 17-19 (2/18), c 14-16 (2/15): median 2/18.
    const r = rankingOf([run('a', 10, [19, 20, 21]), run('b', 11, [17, 18, 19]), run('c', 12, [14, 15, 16])], 'latency_mean_ms', false);
    expect(r.simulated_spread).toBeCloseTo(2 / 11, 12);
    expect(r.measured_repeat_spread).toBeCloseTo(2 / 18, 12);
    // One repeat: no measured spread to state.
    expect(rankingOf([run('a', 10, [20]), run('b', 11, [19.9])], 'latency_mean_ms', false).measured_repeat_spread).toBe(0);
  });

  it('policies the simulator prices the same are a simulated tie, named as such', () => {
    const runs = [run('a', 10, [14, 15, 16]), run('b', 10, [17, 18, 19])];
    const r = rankingOf(runs, 'latency_mean_ms', false);
    expect(r).toMatchObject({ concordant: 0, discordant: 0, simulated_ties: [['a', 'b']] });
    expect(r.tau).toBeNaN();
  });

  it('one repeat has no spread: every measured difference counts', () => {
    const runs = [run('a', 10, [20]), run('b', 11, [19.9])];
    expect(rankingOf(runs, 'latency_mean_ms', false)).toMatchObject({ tau: -1, discordant: 1, measured_ties: [] });
  });

  it('the markdown states the ranking line next to the table', () => {
    const runs = [run('a', 10, [19, 20, 21]), run('b', 11, [17, 18, 19]), run('c', 12, [14, 15, 16])];
    const report: FidelityReport = {
      servesim_fidelity: 1,
      created: 'now',
      adapter: { vendor: 'v', architecture: 'a', device: 'd', description: 'test' },
      profile_created: 'then',
      mode: 'quick',
      dtype: 'f32',
      repeats: 3,
      runs,
      summary: { mean_abs_error_latency_mean: 0, max_abs_error_latency_mean: 0, mean_abs_error_latency_p99: 0, max_abs_error_latency_p99: 0 },
      ranking: [rankingOf(runs, 'latency_mean_ms', false)],
      configs: {},
      host: { cpus: 2, load_1m_start: 1, load_1m_end: 1 },
    };
    const md = fidelityMarkdown(report);
    expect(md).toContain("- moe-decode, request latency mean (ms), best first: simulated a, b, c; measured c, b, a; tau -0.82: 0 of 3 pairs agree, 2 disagree; tied on the device: a ~ b; the simulator puts the policies 18.2% apart (max - min over mean), a policy's measured repeats span 11.1% (median).");
    expect(md).toContain('| moe-decode | a | request latency mean (ms) | 10.00 | 20.00 | 19.00 - 21.00 | +0.0% |');
  });
});
