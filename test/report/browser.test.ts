/**
 * Loads a generated report.html in headless Chromium (Debian's chromium via playwright-core,
 * never a downloaded browser): every chart must render an SVG, nothing may reach the network
 * (the report must work offline), and the console must stay free of errors. A screenshot goes
 * to test/output/report.png. Without /usr/bin/chromium the test skips with one line, except in
 * CI (CI or SERVESIM_REQUIRE_GPU=1), where it fails.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
      expect.arrayContaining(['latency-cdf', 'sweep-latency-ms-mean', 'paired-differences', 'utilisation', 'occupancy', 'gantt']),
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
});
