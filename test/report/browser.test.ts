/**
 * Loads a generated report.html in headless Chromium (Debian's chromium via playwright-core,
 * never a downloaded browser): every chart must render an SVG, nothing may reach the network
 * (the report must work offline), and the console must stay free of errors. A screenshot goes
 * to test/output/report.png. A second run checks what the page says: the verdict's numbers are
 * results.json's, the occupancy chart is not stacked, sweep ticks sit at the swept values and
 * legends show every policy label in full. Without /usr/bin/chromium the test skips with one line, except in
 * CI (CI or SERVESIM_REQUIRE_GPU=1), where it fails.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../fixtures/registry.js';
import { renderHtml } from '../../src/report/html.js';
import { buildCharts } from '../../src/report/specs.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runPlan } from '../../src/scenario/runner.js';

const CHROMIUM = '/usr/bin/chromium';
const REQUIRED = process.env.SERVESIM_REQUIRE_GPU === '1' || (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false');
const HAVE = existsSync(CHROMIUM);
if (!HAVE && !REQUIRED) console.log(`skipping the report browser test: ${CHROMIUM} not found (Debian: apt-get install chromium)`);

const OUT = resolve('test/output');

describe.skipIf(!HAVE && !REQUIRED)('report.html in headless Chromium', () => {
  it('renders every chart as SVG, offline, with no console error', async () => {
    const { chromium } = await import('playwright-core');
    const loaded = loadScenario('test/fixtures/scenarios/queue-sweep.yaml', { registry: REGISTRY, set: ['workload.generator.requests=120'] });
    const { results } = await runPlan(loaded.plan, { registry: REGISTRY, jobs: 1 });
    const charts = buildCharts(results);
    // The fixture exercises every chart kind: CDFs, sweep bands, differences, utilisation, occupancy, Gantt.
    expect(charts.map((c) => c.id)).toEqual(
      expect.arrayContaining(['latency-cdf', 'sweep-latency-ms-mean', 'paired-differences', 'utilisation', 'occupancy-queue', 'gantt']),
    );
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'report.html');
    writeFileSync(file, renderHtml(results));

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const network: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        network.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-charts-done="true"]', { timeout: 60_000 });
      const state = await page.evaluate(() => ({
        rendered: Number(document.body.getAttribute('data-charts-rendered')),
        failed: Number(document.body.getAttribute('data-charts-failed')),
        charts: [...document.querySelectorAll('div.chart')].map((d) => ({ id: d.id, svg: d.querySelectorAll('svg').length, marks: d.querySelectorAll('svg path, svg rect, svg line').length })),
      }));
      expect(problems).toEqual([]);
      expect(network).toEqual([]);
      expect(state.failed).toBe(0);
      expect(state.rendered).toBe(charts.length);
      expect(state.charts).toHaveLength(charts.length);
      for (const c of state.charts) {
        expect(c.svg, `${c.id} has an svg`).toBeGreaterThan(0);
        expect(c.marks, `${c.id} drew marks`).toBeGreaterThan(10);
      }
      await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
      expect(existsSync(join(OUT, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });

  it('says what results.json says: verdict numbers, unstacked occupancy, ticks at the swept values, legends in full', async () => {
    const { chromium } = await import('playwright-core');
    const LONG = 'first-in first-out on two servers, a long label never to be cut';
    mkdirSync(OUT, { recursive: true });
    // Swept values that a default tick format (a step of 1 over this range: 4/9/13) would mislabel.
    const yaml = readFileSync('test/fixtures/scenarios/queue-sweep.yaml', 'utf8')
      .replace('label: fifo-2', `label: '${LONG}'`)
      .replace('workload.generator.rps: { from: 4, to: 12, step: 4 }', 'workload.generator.rps: [4.25, 8.5, 12.75]');
    const scenario = join(OUT, 'ticks.yaml');
    writeFileSync(scenario, yaml);
    // A Gantt window of 40 ops from the middle of a 200-request run: each policy's own middle would differ.
    const loaded = loadScenario(scenario, { registry: REGISTRY, set: ['workload.generator.requests=200', 'report.gantt.slices=40'] });
    const { results } = await runPlan(loaded.plan, { registry: REGISTRY, jobs: 1 });
    const file = join(OUT, 'report-content.html');
    writeFileSync(file, renderHtml(results));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-charts-done="true"]', { timeout: 60_000 });
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      const seen = await page.evaluate(() => {
        const v = document.getElementById('verdict');
        const axis = (id: string, which: 'X' | 'Y') =>
          [...document.querySelectorAll(`#chart-${id} g[aria-label^="${which}-axis"]`)].map((g) => ({
            label: g.getAttribute('aria-label') ?? '',
            ticks: [...g.querySelectorAll('.role-axis-label text')].map((t) => t.textContent ?? ''),
          }));
        return {
          verdict: v?.textContent ?? '',
          attrs: v ? { metric: v.dataset.metric, point: Number(v.dataset.point), a: v.dataset.a, b: v.dataset.b } : null,
          sweepX: axis('sweep-latency-ms-mean', 'X'),
          occupancyY: axis('occupancy-queue', 'Y'),
          ganttX: axis('gantt', 'X'),
          legendLabels: [...document.querySelectorAll('.role-legend-label text')].map((t) => t.textContent ?? ''),
          cut: [...document.querySelectorAll('svg text')].map((t) => t.textContent ?? '').filter((t) => t.includes('…')),
        };
      });
      // 1. The verdict's comparison, recomputed here from results.json's runs and paired difference.
      expect(seen.attrs).not.toBeNull();
      const { metric, point, a, b } = seen.attrs!;
      // Stored as (earlier policy, later policy); the verdict reads best - other, either way round.
      const c = results.comparisons.find((x) => x.metric === metric && x.point === point && ((x.a === a && x.b === b) || (x.a === b && x.b === a)))!;
      expect(c).toBeDefined();
      const pct = (x: number) => `${(100 * Math.abs(x)).toFixed(1)}%`;
      const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${pct(x)}`;
      const same = c.a === a;
      // The relative interval on the ratio scale (b/a - 1), inverted when stored the other way round.
      const r = c.difference.relative_ci!;
      expect(r).toBeDefined();
      const inv = (x: number) => 1 / (1 + x) - 1;
      const [m, lo, hi] = same ? [r.mean, r.lo, r.hi] : [inv(r.mean), inv(r.hi), inv(r.lo)];
      expect(lo).toBeGreaterThan(-1);
      if (c.difference.significant) {
        expect(seen.verdict).toContain(`${pct(m)} ${m < 0 ? 'lower' : 'higher'} ${metric} than ${a}`);
        const [l, h] = [Math.abs(lo), Math.abs(hi)].sort((x, y) => x - y);
        expect(seen.verdict).toContain(`95% CI of the difference ${pct(l!)}–${pct(h!)}, ${c.difference.n} replications`);
      } else {
        expect(seen.verdict).toContain(`no policy is better on ${metric}`);
        expect(seen.verdict).toContain(`${signed(m)} (95% CI ${signed(lo)} to ${signed(hi)}, ${c.difference.n} replications), not significant`);
      }
      // 2. Ticks at exactly the swept values.
      expect(seen.sweepX).toHaveLength(1);
      expect(seen.sweepX[0]!.ticks).toEqual(['4.25', '8.5', '12.75']);
      // 3. Occupancy: one panel per policy, each axis spans that policy's own queue, not the sum of the policies' queues.
      const g = results.gantt.filter((x) => x.point === results.gantt[0]!.point);
      const own = Math.max(...g.flatMap((x) => x.counters.map((k) => k.max)));
      const stacked = g.reduce((s, x) => s + Math.max(...x.counters.map((k) => k.max)), 0);
      expect(stacked).toBeGreaterThan(own); // the check below could fail
      expect(seen.occupancyY.length).toBe(g.length);
      for (const ax of seen.occupancyY) {
        const top = Number(/values from [-\d.]+ to ([\d.]+)/.exec(ax.label)![1]);
        expect(top).toBeGreaterThanOrEqual(own);
        expect(top).toBeLessThan(stacked);
      }
      // 4. Gantt: every policy over the same simulated window, each panel's time axis the same.
      const windows = results.gantt.filter((x) => x.point === results.gantt[0]!.point);
      expect(windows.length).toBe(loaded.plan.policies.length);
      for (const w of windows) {
        expect([w.from_s, w.to_s]).toEqual([windows[0]!.from_s, windows[0]!.to_s]);
        expect(w.slices.length).toBeGreaterThan(0);
        for (const sl of w.slices) expect(sl.start_s >= w.from_s && sl.end_s <= w.to_s).toBe(true);
      }
      expect(windows[0]!.to_s).toBeGreaterThan(windows[0]!.from_s);
      expect(seen.ganttX.length).toBe(windows.length);
      const range = (label: string) => /values from ([-\d.,]+) to ([-\d.,]+)/.exec(label)!.slice(1).map((x) => Number(x.replace(/,/g, '')));
      for (const ax of seen.ganttX) {
        expect(ax.ticks.length).toBeGreaterThan(1);
        expect(ax.ticks).toEqual(seen.ganttX[0]!.ticks);
        const [lo, hi] = range(ax.label);
        // The axis spans the window (in ms), not a policy's own run.
        expect(lo).toBeCloseTo(1000 * windows[0]!.from_s, 0);
        expect(hi).toBeCloseTo(1000 * windows[0]!.to_s, 0);
      }
      // 5. Legends: every policy label in full; no text of any chart (legend, axis, header) cut with an ellipsis.
      expect(seen.legendLabels).toContain(LONG);
      expect(seen.cut).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
