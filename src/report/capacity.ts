/**
 * The capacity part of a report (results.json from `servesim capacity`): a table of each policy's
 * capacity with its interval and cost, and two charts:
 *  - SLO attainment vs load: the fraction of replications (seeds) that meet the SLOs at each load,
 *    a step curve per policy (rate mode: met up to its capacity; gpus mode: met from its count);
 *  - the first SLO metric at every probe of the search, per policy, with the threshold.
 */
import { fmt } from './metrics.js';
import { esc } from './escape.js';
import type { CapacitySection, ResultsFile } from './types.js';

import { base, WIDTH, type Chart } from './chart.js';

export type CapacityChart = Chart;

/**
 * Rows {policy, load, attained}: the fraction of replications meeting the SLOs at each load where
 * it changes. rate mode: replication r meets at x when x <= its capacity; gpus mode: when x >= its count.
 */
export function attainmentRows(c: CapacitySection): Array<{ policy: string; load: number; attained: number }> {
  const rows: Array<{ policy: string; load: number; attained: number }> = [];
  const probed = c.policies.flatMap((p) => p.probes.map((q) => q.value));
  const lo = c.mode === 'gpus' ? c.search.min : 0;
  const hi = Math.max(c.mode === 'gpus' ? c.search.max : 0, ...probed);
  for (const p of c.policies) {
    const n = p.replications.length;
    const vals = p.replications.map((r) => r.value);
    const at = (x: number) => vals.filter((v) => v !== null && (c.mode === 'gpus' ? x >= v : x <= v)).length / n;
    const xs = [...new Set([lo, hi, ...vals.filter((v): v is number => v !== null)])].sort((a, b) => a - b);
    // Constant on (x_i-1, x_i] in rate mode (drawn step-before), on [x_i, x_i+1) in gpus mode (step-after).
    for (const x of xs) rows.push({ policy: p.policy, load: x, attained: at(x) });
  }
  return rows;
}

export function capacityCharts(r: ResultsFile): CapacityChart[] {
  const c = r.capacity;
  if (!c) return [];
  const order = c.policies.map((p) => p.policy);
  const color = { field: 'policy', type: 'nominal', title: 'policy', scale: { domain: order }, sort: order, legend: { labelLimit: 360 } };
  const xTitle = c.mode === 'gpus' ? 'GPUs' : `${c.knob} (${c.unit})`;
  const sloText = c.slo.map((s) => s.text).join(' and ');
  const charts: CapacityChart[] = [];
  charts.push({
    id: 'capacity-attainment',
    title: `SLO attainment vs ${c.mode === 'gpus' ? 'GPUs' : 'load'}`,
    caption: `Fraction of the ${c.search.replications} replication(s) meeting ${sloText} at each ${c.mode === 'gpus' ? 'GPU count' : 'load'}; the policy whose curve stays at 1 ${c.mode === 'gpus' ? 'from fewer GPUs' : 'to a higher load'} has more capacity.`,
    spec: {
      ...base(`SLO attainment vs ${c.mode === 'gpus' ? 'GPUs' : 'load'}`),
      data: { values: attainmentRows(c) },
      width: WIDTH,
      height: 220,
      mark: { type: 'line', interpolate: c.mode === 'gpus' ? 'step-after' : 'step-before', point: true },
      encoding: {
        x: { field: 'load', type: 'quantitative', title: xTitle },
        y: { field: 'attained', type: 'quantitative', title: 'fraction of seeds meeting the SLOs', scale: { domain: [0, 1] } },
        color,
      },
    },
  });
  const first = c.slo[0];
  if (first) {
    const rows = c.policies.flatMap((p) =>
      p.probes
        .filter((q) => Number.isFinite(q.metrics[first.metric]))
        .map((q) => ({ policy: p.policy, replication: q.replication, load: q.value, value: q.metrics[first.metric]!, met: q.met ? 'met' : 'not met' })),
    );
    if (rows.length > 0) {
      // Log scale when it can be (tails span decades past saturation); linear when a value is 0.
      const yScale = rows.every((x) => x.value > 0) ? { type: 'log' } : { zero: false };
      charts.push({
        id: 'capacity-probes',
        title: `${first.metric} at every run of the search`,
        caption: `Each point is one run (policy, seed, ${c.mode === 'gpus' ? 'GPU count' : 'load'}); lines join one seed's runs; the rule is the SLO ${first.text}.`,
        spec: {
          ...base(`${first.metric} at every run of the search`),
          width: WIDTH,
          height: 260,
          layer: [
            {
              data: { values: rows },
              mark: { type: 'line', strokeWidth: 1, opacity: 0.5 },
              encoding: {
                x: { field: 'load', type: 'quantitative', title: xTitle },
                y: { field: 'value', type: 'quantitative', title: first.metric, scale: yScale },
                color,
                detail: { field: 'replication', type: 'nominal' },
                order: { field: 'load', type: 'quantitative' },
              },
            },
            {
              data: { values: rows },
              mark: { type: 'point', filled: true },
              encoding: {
                x: { field: 'load', type: 'quantitative' },
                y: { field: 'value', type: 'quantitative' },
                color,
                shape: { field: 'met', type: 'nominal', title: 'SLOs', scale: { domain: ['met', 'not met'] } },
                tooltip: [{ field: 'policy' }, { field: 'replication' }, { field: 'load' }, { field: 'value' }, { field: 'met' }],
              },
            },
            { data: { values: [{ threshold: first.threshold }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#c00' }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
          ],
        },
      });
    }
  }
  return charts;
}


/** The capacity table and notes for report.html ('' for an ordinary run). */
export function capacityHtml(r: ResultsFile): string {
  const c = r.capacity;
  if (!c) return '';
  const fixed = Object.entries(c.fixed).map(([k, v]) => `${k}=${v}`).join(', ');
  const what = c.mode === 'gpus' ? `the fewest GPUs meeting the SLOs${fixed ? ` at ${esc(fixed)}` : ''}` : `the highest <code>${esc(c.knob)}</code> (${esc(c.unit)}) meeting the SLOs`;
  const head = `<tr><th>policy</th><th>${c.mode === 'gpus' ? 'GPUs' : 'capacity'} (mean ± 95% CI)</th><th>met by every seed</th><th>runs</th>${c.metrics.map((m) => `<th>${esc(m)} at capacity</th>`).join('')}</tr>`;
  const rows = c.policies.map((p) => {
    const v = p.value === null ? 'none in range' : p.value.n > 1 ? `${fmt(p.value.mean)} ± ${fmt(p.value.ci95)}` : fmt(p.value.mean);
    const per = p.replications.map((x) => (x.value === null ? 'none' : fmt(x.value))).join(', ');
    return `<tr><td>${esc(p.policy)}</td><td title="per seed: ${esc(per)}">${esc(v)}</td><td>${esc(p.guaranteed === null ? '—' : fmt(p.guaranteed))}</td><td>${p.runs}</td>${c.metrics.map((m) => `<td>${esc(p.at_capacity[m] ? fmt(p.at_capacity[m]!.mean) : '—')}</td>`).join('')}</tr>`;
  });
  const diffs = c.comparisons
    .filter((d) => d.difference.n > 1)
    .map((d) => `<li>${esc(d.b)} − ${esc(d.a)}: ${fmt(d.difference.mean)} ± ${fmt(d.difference.ci95)}${d.difference.significant ? '' : ' <span class="ns">(not significant)</span>'}</li>`);
  return `<h2>Capacity</h2>
<p>For each policy, ${what}: ${c.slo.map((s) => `<code>${esc(s.text)}</code>`).join(' and ')}. Each of ${c.search.replications} seed(s) is searched separately (bracketing, then bisection${c.integer ? ' over integers' : ` to ${c.search.tolerance * 100}%`}); the table gives the mean over seeds with its 95% t-interval. Cost: ${c.runs_spent} simulation runs.</p>
<table>${head}${rows.join('')}</table>
${diffs.length ? `<p class="meta">Paired differences of capacity (same seeds):</p><ul>${diffs.join('')}</ul>` : ''}
${c.notes.map((n) => `<p class="meta">Note: ${esc(n)}</p>`).join('\n')}
<p class="meta">The summary below gives each policy's metrics at its capacity (per seed, at the value that seed reached).</p>`;
}
