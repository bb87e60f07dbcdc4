import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../fixtures/registry.js';
import { renderHtml } from '../../src/report/html.js';
import { serializeResults, summarised } from '../../src/report/io.js';
import { flattenMetrics, headlineMetrics, metricDirection } from '../../src/report/metrics.js';
import { buildCharts } from '../../src/report/specs.js';
import { describeComparison, resultsTable } from '../../src/report/text.js';
import { judge, relativeOf } from '../../src/report/verdict.js';
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
  const rel = { mean: -0.12, lo: -0.15, hi: -0.09, method: 'log-ratio' as const };
  const base: Comparison = { point: 0, params: {}, metric: 'latency_ms.p99', a: 'A', b: 'B', better: 'B', difference: { mean: -12, ci95: 3, lo: -15, hi: -9, n: 5, relative: -0.12, relative_ci: rel, significant: true } };
  it('says by how much and with what interval one policy beats another', () => {
    // The relative interval results.json carries (ratio scale) is the one shown.
    expect(describeComparison(base, 'lower')).toBe('B − A: −12.0% (95% CI −15.0% to −9.0%, 5 replications) — B is better');
    expect(describeComparison({ ...base, better: null, difference: { ...base.difference, relative_ci: { ...rel, hi: 0.02 }, significant: false } }, 'lower')).toBe(
      'B − A: −12.0% (95% CI −15.0% to +2.0%, 5 replications): not significant',
    );
    // Without one (results.json from before the ratio intervals), the absolute difference.
    expect(describeComparison({ ...base, difference: { ...base.difference, relative_ci: undefined } }, 'lower')).toBe('B − A: −12 (absolute) (95% CI −15 to −9, 5 replications) — B is better');
    expect(describeComparison({ ...base, difference: { ...base.difference, mean: 0, ci95: 0, relative: 0 } }, 'lower')).toBe('A and B are identical on every replication');
  });
  it('never tests one replication, and never calls a difference under 1% better', () => {
    const one = { ...base, difference: { ...base.difference, ci95: 0, lo: -12, hi: -12, n: 1, relative_ci: { ...rel, lo: -0.12, hi: -0.12 }, significant: false } };
    expect(describeComparison(one, 'lower')).toBe('B − A: −12.0% (1 replication: no interval)');
    // -0.1 on a base of 100 is -0.1%: significant, yet below the 1% practical threshold.
    const tiny = { ...base, difference: { mean: -0.1, ci95: 0.05, lo: -0.15, hi: -0.05, n: 5, relative: -0.001, relative_ci: { mean: -0.001, lo: -0.0015, hi: -0.0005, method: 'log-ratio' as const }, significant: true } };
    expect(judge(tiny)).toBe('negligible');
    expect(describeComparison(tiny, 'lower')).toContain('below the practical threshold (1%)');
  });
  it('shows absolute differences from a near-zero base and for fractions', () => {
    // 0.107 -> 1: +833% relative; shown as +0.893 absolute instead.
    const nearZero = { ...base, metric: 'queue_ms.mean', difference: { mean: 0.893, ci95: 0.3, lo: 0.593, hi: 1.193, n: 3, relative: 8.3458, significant: true } };
    expect(relativeOf(nearZero)).toBeNull();
    expect(describeComparison(nearZero, 'lower')).toBe('B − A: +0.893 (absolute) (95% CI +0.593 to +1.193, 3 replications) — A is better');
    const frac = { ...base, metric: 'slo_attainment', difference: { mean: 0.2, ci95: 0.1, lo: 0.1, hi: 0.3, n: 3, relative: 0.25, significant: true } };
    expect(describeComparison(frac, 'higher')).toBe('B − A: +0.2 (absolute) (95% CI +0.1 to +0.3, 3 replications) — B is better');
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

describe('renderHtml(results): the first screen', () => {
  it('leads with the verdict, the key chart and the compact table; the rest is collapsed; one replication is never tested', async () => {
    const plan = loadScenario('test/fixtures/scenarios/queue-sweep.yaml', { registry: REGISTRY, set: ['workload.generator.requests=60', 'replications=1'] }).plan;
    const { results } = await runPlan(plan, { registry: REGISTRY, jobs: 1 });
    const html = renderHtml(results);
    const at = (s: string) => html.indexOf(s);
    expect(at('id="verdict"')).toBeGreaterThan(0);
    expect(at('id="chart-sweep-latency-ms-mean"')).toBeGreaterThan(at('id="verdict"'));
    expect(at('<table class="compact">')).toBeGreaterThan(at('id="chart-sweep-latency-ms-mean"'));
    expect(at('<details>')).toBeGreaterThan(at('<table class="compact">'));
    // Every other chart sits inside a collapsed section.
    expect(at('id="chart-latency-cdf"')).toBeGreaterThan(at('<details>'));
    expect(html).toContain('1 replication: no interval');
    expect(html).not.toContain('(n.s.)');
    expect(html).not.toMatch(/>tie</);
  });
});

describe('serializeResults(r) and summarised(r)', () => {
  it('puts small objects on one line and reads back as the same object', async () => {
    const plan = loadScenario('test/fixtures/scenarios/queue-sweep.yaml', { registry: REGISTRY, set: ['workload.generator.requests=40', 'replications=2'] }).plan;
    const { results } = await runPlan(plan, { registry: REGISTRY, jobs: 1 });
    const text = serializeResults(results);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(results)));
    expect(text).toMatch(/\n {6}"params": \{"workload\.generator\.rps":4\},\n/);
    expect(text.length).toBeLessThan(JSON.stringify(results, null, 2).length);
    // Utilisation series only at the report's focus point (the Gantt point, 0) unless asked for all.
    const s = summarised(results);
    expect(s.runs.filter((x) => x.utilisation.length > 0).map((x) => x.point)).toEqual(results.runs.filter((x) => x.point === 0).map(() => 0));
    expect(summarised(results, 'all')).toBe(results);
  });
});

describe('buildCharts(results): occupancy and Gantt encodings', () => {
  it('draws memory in GiB, one panel per policy, never stacked; gives each op type its own colour', async () => {
    const plan = loadScenario('test/fixtures/scenarios/queue-sweep.yaml', { registry: REGISTRY, set: ['workload.generator.requests=40', 'replications=1'] }).plan;
    const { results } = await runPlan(plan, { registry: REGISTRY, jobs: 1 });
    // Every policy holds 80 GiB on gpu0: stacked, the axis would reach 3 x 80 = 240.
    const GiB = 2 ** 30;
    for (const g of results.gantt) g.counters.push({ track: 'gpu0 hbm', t_s: 0, value: 80 * GiB, max: 80 * GiB }, { track: 'gpu1 hbm', t_s: 0, value: 10 * GiB, max: 10 * GiB });
    const charts = buildCharts(results);
    const mem = charts.find((c) => c.id === 'occupancy-gpu-memory')!.spec as any;
    expect(mem.facet.row.field).toBe('policy');
    expect(mem.data.values.map((v: { value: number }) => v.value)).toEqual(results.gantt.map(() => 80)); // gpu1 left out: one GPU shown
    for (const layer of mem.spec.layer) expect(layer.encoding.y.stack).toBeNull();
    const gantt = charts.find((c) => c.id === 'gantt')!.spec as any;
    const ops = new Set(results.gantt.flatMap((g) => g.slices.map((s) => s.name)));
    // tableau20 has 20 colours: up to 19 op types get their own, the rest share 'other'.
    const domain: string[] = gantt.spec.encoding.color.scale.domain;
    expect(new Set(domain).size).toBe(domain.length);
    expect(domain.filter((d) => d !== 'other').every((d) => ops.has(d))).toBe(true);
    expect(domain).toHaveLength(ops.size <= 19 ? ops.size : 20);
    expect(gantt.spec.encoding.color.scale.scheme).toBe('tableau20');
  });

  it('draws every policy over the first policy\'s window, on one time domain', async () => {
    // 40 ops from the middle of each run: the policies' own middles differ (sjf reorders, fifo-3 has a third server).
    const plan = loadScenario('test/fixtures/scenarios/queue-sweep.yaml', { registry: REGISTRY, set: ['workload.generator.requests=200', 'replications=1', 'report.gantt.slices=40'] }).plan;
    const { results } = await runPlan(plan, { registry: REGISTRY, jobs: 1 });
    const [first, ...rest] = results.gantt;
    expect(rest.length).toBe(2);
    expect(first!.slices.length).toBeGreaterThanOrEqual(40);
    for (const g of rest) {
      expect([g.from_s, g.to_s]).toEqual([first!.from_s, first!.to_s]);
      expect(g.slices.length).toBeGreaterThan(0);
      for (const s of g.slices) expect(s.start_s >= first!.from_s && s.end_s <= first!.to_s).toBe(true);
      // Recorded over the window, not cut from the policy's own: the counters still cover the run.
      expect(Math.max(...g.counters.map((c) => c.t_s))).toBeGreaterThan(first!.to_s);
    }
    const spec = buildCharts(results).find((c) => c.id === 'gantt')!;
    expect((spec.spec as any).spec.encoding.x.scale.domain).toEqual([1000 * first!.from_s, 1000 * first!.to_s]);
    expect(spec.caption).toContain('same');
    // Older results.json (a window per policy) keep an axis each and say so.
    const old = structuredClone(results);
    old.gantt[1]!.from_s += 0.001;
    const oldSpec = buildCharts(old).find((c) => c.id === 'gantt')!;
    expect((oldSpec.spec as any).spec.encoding.x.scale.domain).toBeUndefined();
    expect(oldSpec.caption).toContain('time axes differ');
  });
});
