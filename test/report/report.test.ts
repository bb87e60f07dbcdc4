import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../fixtures/registry.js';
import { renderHtml } from '../../src/report/html.js';
import { flattenMetrics, headlineMetrics, metricDirection } from '../../src/report/metrics.js';
import { buildCharts } from '../../src/report/specs.js';
import { describeComparison, resultsTable } from '../../src/report/text.js';
import type { Comparison } from '../../src/report/types.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runPlan } from '../../src/scenario/runner.js';

describe('metricDirection(path)', () => {
  it('reads the direction from the metric names', () => {
    const cases: Array<[string, 'lower' | 'higher' | null]> = [
      ['latency_ms.p99', 'lower'],
      ['tpot_ms.mean', 'lower'],
      ['throughput_per_s', 'higher'],
      ['tokens_per_s', 'higher'],
      ['slo_attainment', 'higher'],
      ['hit_rate', 'higher'],
      ['covered_rate', 'higher'],
      ['gate_mass.exact', 'higher'],
      ['gate_mass.dropped', 'lower'],
      ['requests.rejected', 'lower'],
      ['steps_without_lora', 'lower'],
      ['bytes_h2d', 'lower'],
      ['requests.arrived', null],
      ['gpu_busy', null],
      ['pcie_util', null],
      ['gate_mass.substituted', null],
    ];
    for (const [p, d] of cases) expect(metricDirection(p), p).toBe(d);
    expect(metricDirection('requests.arrived', { higher: ['requests.arrived'] })).toBe('higher');
  });

  it('flattens nested metrics and picks headline metrics', () => {
    expect(flattenMetrics({ a_ms: { p50: 1, p99: 2 }, n: 3 })).toEqual([
      ['a_ms.p50', 1],
      ['a_ms.p99', 2],
      ['n', 3],
    ]);
    expect(headlineMetrics(['latency_ms.mean', 'latency_ms.p99', 'requests.arrived', 'throughput_per_s'])).toEqual(['latency_ms.mean', 'latency_ms.p99', 'throughput_per_s']);
    expect(headlineMetrics(['x_ms.max', 'y_ms.mean', 'count'])).toEqual(['y_ms.mean']);
    expect(headlineMetrics(['a', 'b'], ['b', 'zzz'])).toEqual(['b']);
  });
});

describe('describeComparison(c)', () => {
  const base: Comparison = { point: 0, params: {}, metric: 'latency_ms.p99', a: 'A', b: 'B', better: 'B', difference: { mean: -12, ci95: 3, lo: -15, hi: -9, n: 5, relative: -0.12, significant: true } };
  it('says by how much and with what interval one policy beats another', () => {
    expect(describeComparison(base, 'lower')).toBe('B is 12.0% +/- 3.0% lower than A — B is better');
    expect(describeComparison({ ...base, better: null, difference: { ...base.difference, lo: -15, hi: 2, significant: false } }, 'lower')).toBe(
      'no significant difference between A and B (-12.0% +/- 3.0%)',
    );
    expect(describeComparison({ ...base, difference: { ...base.difference, mean: 0, ci95: 0, relative: 0 } }, 'lower')).toBe('A and B are identical on every replication');
  });
});

describe('renderHtml(results)', () => {
  it('is one self-contained file: runtimes inlined, no external URL loaded, scenario and versions shown', async () => {
    const plan = loadScenario('test/fixtures/scenarios/queue-sweep.yaml', { registry: REGISTRY, set: ['workload.generator.requests=40', 'replications=2', 'description=<b>x</b>'] }).plan;
    const { results } = await runPlan(plan, { registry: REGISTRY, jobs: 1 });
    const html = renderHtml(results);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('vegaLite');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;'); // user text is escaped
    expect(html).toContain(`<tr><td>vega-lite</td><td>${results.versions['vega-lite']}</td></tr>`);
    expect(html).toContain('name: queue-sweep');
    const specs = JSON.parse(html.match(/<script type="application\/json" id="servesim-charts">(.*?)<\/script>/s)![1]!);
    expect(specs.map((s: { id: string }) => s.id)).toEqual(buildCharts(results).map((c) => c.id));
    for (const c of buildCharts(results)) expect(html).toContain(`id="chart-${c.id}"`);
    expect(resultsTable(results).split('\n')[0]).toMatch(/^workload\.generator\.rps\s+policy\s+latency_ms\.mean/);
  });
});
