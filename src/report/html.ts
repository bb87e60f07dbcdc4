/**
 * report.html: one self-contained file that works offline. The vega and vega-lite runtimes are
 * inlined from node_modules, the chart specs and data are embedded as JSON, and a small script
 * renders each chart to SVG in the page. The first screen answers the scenario's question: the
 * verdict (headline.ts), the key chart (the key metric vs the swept parameter, or the per-policy
 * bars) and a compact table of the headline metrics. Below, collapsed: full per-point tables,
 * paired differences, the other charts, the scenario as run, versions.
 */
import { readFileSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { findUp } from '../version.js';
import { flattenMetrics, fmt, isSeriesPath, metricAt, metricDirection } from './metrics.js';
import { capacityHtml } from './capacity.js';
import { esc } from './escape.js';
import { compactTable, keyMetric, verdictOf } from './headline.js';
import { buildCharts, type Chart } from './specs.js';
import { cellText, saturationOf } from './status.js';
import { paramsLabel } from './text.js';
import { describeComparison } from './verdict.js';
import type { ResultsFile } from './types.js';

/** Points that get their own summary table; beyond this, results.csv has them all. */
const MAX_SUMMARY_POINTS = 12;

let runtimes: string | undefined;
/** vega + vega-lite browser builds, read once. `</script` inside them is escaped. */
function inlineRuntimes(): string {
  if (runtimes === undefined) {
    const parts = ['node_modules/vega/build/vega.min.js', 'node_modules/vega-lite/build/vega-lite.min.js'].map((rel) => {
      const p = findUp(rel);
      if (!p) throw new ConfigError(`cannot find ${rel} (is servesim installed with its dependencies?)`);
      return `<script>${readFileSync(p, 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`;
    });
    runtimes = parts.join('\n');
  }
  return runtimes;
}


/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderHtml(r: ResultsFile): string {
  const charts = buildCharts(r);
  const title = `servesim: ${r.scenario.name}`;
  const verdict = verdictOf(r);
  const key = keyMetric(r);
  const keyId = key ? `sweep-${key.metric.replace(/[^a-z0-9]+/gi, '-')}` : '';
  const keyChart = charts.find((c) => c.id === keyId) ?? charts.find((c) => c.id === 'policy-metrics' || c.id.startsWith('capacity-'));
  const rest = charts.filter((c) => c !== keyChart);
  const c = verdict?.comparison;
  const verdictAttrs = c ? ` data-metric="${esc(c.metric)}" data-point="${c.point}" data-a="${esc(c.a)}" data-b="${esc(c.b)}"` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:1.2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin:.1em 0} h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em} th,td{border:1px solid #ddd;padding:.2em .5em;text-align:right}
th:first-child,td:first-child{text-align:left} td.best{font-weight:bold;background:#eef7ee} .ns{color:#777}
.meta{color:#555;margin:.2em 0} .warn{background:#fff4e0;border:1px solid #f0c070;padding:.5em} pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:.85em}
.verdict{font-size:1.08em;background:#f3f7fc;border-left:4px solid #3a6ea5;padding:.5em .8em;margin:.6em 0}
.first{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start} .first figure{margin:0}
details{margin:.6em 0} summary{cursor:pointer;font-weight:bold;padding:.2em 0}
figure{margin:1em 0} figcaption{color:#555;font-size:.88em;margin:.3em 0 .8em}
</style></head><body>
<h1>${esc(title)}</h1>
${r.scenario.description ? `<p class="question">${esc(r.scenario.description)}</p>` : ''}
<p class="meta">system <b>${esc(r.scenario.system)}</b> · seed ${esc(r.scenario.seed)} · ${r.scenario.replications < 2 ? '1 replication: no intervals' : `${esc(r.scenario.replications)} replications`} · ${r.sweep.points.length} sweep point(s) · ${r.runs.length} run(s)</p>
${statusNote(r)}
${verdict ? `<p class="verdict" id="verdict"${verdictAttrs}>${esc(verdict.text)}</p>` : ''}
<div class="first">${keyChart ? figure(keyChart) : ''}</div>
${r.headline.length ? compactTable(r, verdict?.point ?? 0) : ''}
<p class="meta">Intervals are 95%: t-intervals of means; bootstrap (seeded) for fractions and latency percentiles, written [lo, hi]. A difference is called better only if its paired interval excludes 0 and it is at least 1% of the base (1 percentage point for fractions).</p>
${capacityHtml(r)}
<details><summary>Full tables per sweep point</summary>
${summaryTables(r)}
</details>
${comparisonsSection(r)}
<details><summary>Other charts (${rest.length})</summary>
${rest.map(figure).join('\n')}
</details>
<details><summary>Scenario as run</summary>
<pre>${esc(toYaml(r.input))}</pre>
</details>
<details><summary>Versions</summary>
<table>${Object.entries(r.versions).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}
<tr><td>scenario fingerprint</td><td>${esc(r.scenario.fingerprint)}</td></tr>
<tr><td>run</td><td>${esc(r.wallclock.finished_at)} · ${esc(r.wallclock.wall_s)} s wall · ${esc(r.wallclock.jobs)} job(s) · node ${esc(r.wallclock.node)}</td></tr></table>
</details>
<script type="application/json" id="servesim-charts">${scriptJson(charts.map((c) => ({ id: c.id, spec: c.spec })))}</script>
${inlineRuntimes()}
<script>
(async function () {
  var charts = JSON.parse(document.getElementById('servesim-charts').textContent);
  var ok = 0, failed = 0;
  for (var i = 0; i < charts.length; i++) {
    var c = charts[i], el = document.getElementById('chart-' + c.id);
    try {
      var view = new vega.View(vega.parse(vegaLite.compile(c.spec).spec), { renderer: 'svg', container: el, hover: true });
      await view.runAsync();
      ok++;
    } catch (e) {
      failed++;
      el.textContent = 'chart failed to render: ' + e.message;
      console.error('servesim chart ' + c.id + ' failed: ' + e.message);
    }
  }
  document.body.setAttribute('data-charts-rendered', String(ok));
  document.body.setAttribute('data-charts-failed', String(failed));
  document.body.setAttribute('data-charts-done', 'true');
})();
</script>
</body></html>
`;
}

function figure(c: Chart): string {
  return `<figure><div class="chart" id="chart-${esc(c.id)}" data-chart="${esc(c.id)}"></div><figcaption>${esc(c.caption)}</figcaption></figure>`;
}

function statusNote(r: ResultsFile): string {
  if (r.complete && !r.shard) return '';
  const what = r.shard ? `shard ${r.shard.index}/${r.shard.count} of a sharded run (join shards with <code>servesim merge</code>)` : 'an interrupted run (continue it with <code>servesim run --resume</code>)';
  return `<p class="warn">These are partial results: ${what}; ${r.missing.length} run(s) missing.</p>`;
}

/** Per sweep point: metrics as rows, policies as columns, the winner last. */
function summaryTables(r: ResultsFile): string {
  const points = [...new Set(r.runs.map((x) => x.point))];
  const overrides = { lower: (r.input as any)?.report?.lower_is_better, higher: (r.input as any)?.report?.higher_is_better };
  const out: string[] = [];
  const sat = saturationOf(r);
  const single = r.scenario.replications < 2;
  for (const point of points.slice(0, MAX_SUMMARY_POINTS)) {
    const runs = r.runs.filter((x) => x.point === point);
    const paths: string[] = [];
    // Time series (e.g. batch_size.series.<t>) are not summaries: they belong in charts, not rows.
    for (const run of runs) for (const [p] of flattenMetrics(run.metrics)) if (!paths.includes(p) && !isSeriesPath(p)) paths.push(p);
    const head = `<tr><th>metric</th>${runs.map((x) => `<th>${esc(x.policy)}</th>`).join('')}<th>winner</th></tr>`;
    const rows = paths.map((metric) => {
      const win = r.winners.find((w) => w.point === point && w.metric === metric);
      const dir = metricDirection(metric, overrides);
      // A tie only when the means are equal, read from the runs themselves.
      const means = runs.map((run) => metricAt(run.metrics, metric)).filter((v) => Number.isFinite(v));
      const tie = win !== undefined && means.length > 1 && means.every((v) => v === means[0]);
      const marked = win && !tie && (win.significant || single);
      const cells = runs.map((run) => {
        const text = cellText(run, metric, metricAt(run.metrics, metric), sat.get(run));
        return `<td${marked && win.policy === run.policy ? ' class="best"' : ''}>${esc(text)}</td>`;
      });
      const verdict = tie
        ? '<span class="ns">identical</span>'
        : win
        ? `${esc(win.policy)}${runs.length > 1 ? (single ? ' <span class="ns">(1 replication: no interval)</span>' : win.significant ? ' <span title="paired 95% CI vs runner-up excludes 0">(significant)</span>' : ' <span class="ns">(not significant)</span>') : ''}`
        : '<span class="ns">—</span>';
      return `<tr><td>${esc(metric)}${dir ? ` <span class="ns">(${dir === 'lower' ? '↓' : '↑'} better)</span>` : ''}</td>${cells.join('')}<td>${verdict}</td></tr>`;
    });
    const label = r.sweep.keys.length ? `<h3>${esc(paramsLabel(r.sweep.points[point] ?? {}))}</h3>` : '';
    out.push(`${label}<table>${head}${rows.join('')}</table>`);
  }
  if (points.length > MAX_SUMMARY_POINTS) out.push(`<p class="meta">${points.length - MAX_SUMMARY_POINTS} more sweep points in results.csv.</p>`);
  if (single) out.push('<p class="meta">1 replication: no interval; the lowest/highest mean is shown untested (set <code>replications</code> &gt; 1).</p>');
  return out.join('\n');
}

function comparisonsSection(r: ResultsFile): string {
  const withCi = r.comparisons.filter((c) => c.difference.n > 1);
  if (withCi.length === 0) return '';
  const dir = new Map(r.headline.map((h) => [h.metric, h.direction]));
  const items = withCi.slice(0, 200).map((c) => {
    const where = r.sweep.keys.length ? ` <span class="meta">[${esc(paramsLabel(c.params))}]</span>` : '';
    return `<li><code>${esc(c.metric)}</code>${where}: ${esc(describeComparison(c, dir.get(c.metric) ?? null))}</li>`;
  });
  return `<details><summary>Paired differences (95% CI, ${withCi.length})</summary><p class="meta">Each pair of policies ran on the same seeds, so differences are paired over replications. Relative differences b/a − 1 are on the ratio scale (the t-interval of the mean paired log-ratio), so never below −100%. Differences of fractions and from a near-zero base (over 200%) are given as absolute differences.</p><ul>${items.join('')}</ul></details>`;
}
