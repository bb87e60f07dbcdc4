/**
 * Vega-lite specs for a results file, one per chart. The same specs go into report.html (rendered
 * by the inlined vega runtime) and to SVG/PNG (`--png`). Charts whose data is absent (no sweep,
 * one replication, no Gantt window) are left out rather than drawn empty.
 */
import { capacityCharts } from './capacity.js';
import { flattenMetrics, metricAt } from './metrics.js';
import { paramsLabel } from './text.js';
import type { ResultsFile, RunRecord } from './types.js';
import { judge, relativeOf } from './verdict.js';
import { saturationHides, saturationOf } from './status.js';

import { base, WIDTH, type Chart } from './chart.js';

export type { Chart } from './chart.js';
/** Facets beyond this many panels make a chart unreadable; later panels are dropped. */
const MAX_PANELS = 8;
const MAX_TRACKS = 16;
/** tableau20 has 20 distinct colours: up to 19 op types get their own, the rest are 'other'. */
const MAX_SLICE_NAMES = 19;

/** Policies in scenario order, so every chart colours and lists them the same way. */
function policyOrder(r: ResultsFile): string[] {
  return [...new Set(r.runs.map((x) => x.policy))];
}
/** Legends below the plot, one label per line and no length limit: a policy label is never cut. */
export const LEGEND = { orient: 'bottom', direction: 'vertical', labelLimit: 0, symbolLimit: 0 };
function policyColor(r: ResultsFile, field = 'policy', title: string | null = 'policy') {
  const order = policyOrder(r);
  return { field, type: 'nominal', title, scale: { domain: order }, sort: order, legend: LEGEND };
}
/** Memory counters (bytes) are drawn in GiB; queues and counts as they are. */
export function isMemoryTrack(track: string): boolean {
  return /(hbm|mem|cache|bytes|vram)/i.test(track) && !/queue/i.test(track);
}
const GIB = 2 ** 30;
/** Spans more than 1.5 decades: a linear axis would flatten the small values. */
export function needsLog(values: readonly number[]): boolean {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length > 0 && v.every((x) => x > 0) && Math.max(...v) / Math.min(...v) > 10 ** 1.5;
}

/** Row-facet labels above each panel, horizontal: policy labels are long. */
const ROW_HEADER = { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelAlign: 'left', labelFontWeight: 'bold', labelFontSize: 12, labelLimit: WIDTH };


/** The sweep point whose runs the single-run charts show (the Gantt point). */
export function focusPoint(r: ResultsFile): number {
  return r.gantt[0]?.point ?? r.runs[0]?.point ?? 0;
}

export function buildCharts(r: ResultsFile): Chart[] {
  // 0. Capacity runs (`servesim capacity`) lead with their own charts.
  const charts: Chart[] = capacityCharts(r);
  const focus = focusPoint(r);
  const focusLabel = r.sweep.keys.length ? ` at ${paramsLabel(r.sweep.points[focus] ?? {})}` : '';
  const atFocus = r.runs.filter((x) => x.point === focus);
  // Per-GPU charts (utilisation, occupancy, Gantt) show one GPU, the same for every policy, plus
  // the tracks no GPU owns (host cache, links, CPU): eight identical GPUs say nothing more.
  // The lowest-numbered GPU that every policy's Gantt window used (else the lowest of any).
  const gpuOf = (t: string) => /^gpu\d+/.exec(t)?.[0];
  const byNumber = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const perPolicy = r.gantt.map((g) => new Set(g.slices.map((s) => gpuOf(s.track)).filter((x): x is string => x !== undefined)));
  const everywhere = byNumber(perPolicy.flatMap((set) => [...set])).filter((gpu) => perPolicy.every((set) => set.has(gpu)));
  const anyGpu = byNumber([...r.gantt.flatMap((g) => g.counters.map((c) => c.track)), ...atFocus.flatMap((x) => x.utilisation.map((u) => u.resource))].map(gpuOf).filter((x): x is string => x !== undefined));
  const firstGpu = everywhere[0] ?? anyGpu[0];
  const onShownGpu = (track: string) => !/^gpu\d+/.test(track) || /^gpu\d+/.exec(track)![0] === firstGpu;

  // 1. Latency CDFs, one line per policy (a panel per sweep point when there are a few).
  const cdfPoints = [...new Set(r.runs.map((x) => x.point))].slice(0, MAX_PANELS);
  const cdfRows = r.runs
    .filter((x) => cdfPoints.includes(x.point))
    .flatMap((x) => x.latency_cdf.map((c) => ({ policy: x.policy, point: x.point, latency_ms: c.value, p: c.p })));
  if (cdfRows.length > 0) {
    const layer = {
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'latency_ms', type: 'quantitative', title: 'latency (ms)', scale: { zero: false } },
        y: { field: 'p', type: 'quantitative', title: 'fraction of requests', scale: { domain: [0, 1] } },
        color: policyColor(r),
      },
    };
    const faceted = cdfPoints.length > 1;
    const panelOrder = cdfPoints.map((p) => paramsLabel(r.sweep.points[p] ?? {}));
    charts.push({
      id: 'latency-cdf',
      title: 'Latency CDF per policy',
      caption: 'Further left is faster; the gap at the top is the tail (replication 0 of each run).',
      spec: faceted
        ? { ...base('Latency CDF per policy'), data: { values: cdfRows }, facet: { field: 'point', type: 'ordinal', title: null, sort: cdfPoints, header: { labelExpr: `${JSON.stringify(Object.fromEntries(cdfPoints.map((p, i) => [p, panelOrder[i]])))}[datum.value]`, labelLimit: 0 } }, columns: 2, spec: { width: 260, height: 180, ...layer }, resolve: { scale: { x: 'independent' } } }
        : { ...base('Latency CDF per policy'), data: { values: cdfRows }, width: WIDTH, height: 260, ...layer },
    });
  }

  // 2. Each headline metric against the first sweep parameter, with 95% interval bands.
  const xKey = r.sweep.keys[0];
  for (const { metric } of r.headline) {
    if (xKey !== undefined) charts.push(sweepChart(r, metric, xKey));
  }
  if (xKey === undefined && r.headline.length > 0) charts.push(policyBars(r));

  // 3. Paired differences against the first policy (needs replications).
  const baseline = r.runs[0]?.policy;
  // Relative differences only where the base is not near zero (verdict.ts relativeOf); the rest
  // are listed as absolute differences in the report's text.
  const diffRows = r.comparisons
    .filter((c) => c.point === focus && c.a === baseline && c.difference.n > 1)
    .flatMap((c) => {
      const rel = relativeOf(c);
      if (!rel) return [];
      const j = judge(c);
      return [{ metric: c.metric, policy: c.b, relative_pct: 100 * rel.mean, lo_pct: 100 * Math.min(rel.lo, rel.hi), hi_pct: 100 * Math.max(rel.lo, rel.hi), significant: j === 'significant' ? 'significant' : j === 'negligible' ? 'below 1% threshold' : 'not significant' }];
    });
  if (diffRows.length > 0) {
    charts.push({
      id: 'paired-differences',
      title: `Difference vs ${baseline} (95% CI)${focusLabel}`,
      caption: 'Paired over replications with the same seeds; an interval that crosses 0 means no significant difference.',
      spec: {
        ...base(`Difference vs ${baseline} (95% CI)`),
        data: { values: diffRows },
        facet: { row: { field: 'metric', type: 'nominal', title: null, header: ROW_HEADER } },
        spec: {
          width: WIDTH - 120,
          height: { step: 22 },
          layer: [
            { mark: { type: 'rule', color: '#999' }, encoding: { x: { datum: 0, type: 'quantitative' } } },
            { mark: 'rule', encoding: { y: { field: 'policy', type: 'nominal', title: null, axis: { labelLimit: 0 } }, x: { field: 'lo_pct', type: 'quantitative', title: 'relative difference (%)' }, x2: { field: 'hi_pct' }, color: { field: 'significant', type: 'nominal' } } },
            { mark: { type: 'point', filled: true }, encoding: { y: { field: 'policy', type: 'nominal' }, x: { field: 'relative_pct', type: 'quantitative' }, color: { field: 'significant', type: 'nominal' } } },
          ],
        },
        resolve: { scale: { x: 'independent' } },
      },
    });
  }

  // 4. Busy fraction over time per resource, per policy.
  const utilRows = atFocus.flatMap((x) => {
    const tracks = [...new Set(x.utilisation.map((u) => u.resource))].filter(onShownGpu).slice(0, MAX_TRACKS);
    return x.utilisation.filter((u) => tracks.includes(u.resource)).map((u) => ({ policy: x.policy, resource: u.resource, t_s: u.t_s, busy: u.busy }));
  });
  if (utilRows.length > 0) {
    charts.push({
      id: 'utilisation',
      title: `Utilisation over time${focusLabel}`,
      caption: `Busy fraction of each stream, copy engine and link of ${firstGpu ?? 'the system'} (and shared resources) per time bin (replication 0).`,
      spec: {
        ...base(`Utilisation over time${focusLabel}`),
        data: { values: utilRows },
        facet: { row: { field: 'policy', type: 'nominal', title: null, header: ROW_HEADER, sort: policyOrder(r) } },
        spec: {
          width: WIDTH,
          height: 110,
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1 },
          encoding: {
            x: { field: 't_s', type: 'quantitative', title: 'simulated time (s)' },
            y: { field: 'busy', type: 'quantitative', title: 'busy', scale: { domain: [0, 1] } },
            color: { field: 'resource', type: 'nominal' },
          },
        },
      },
    });
  }

  // 5. Memory (GiB) and queue occupancy over the traced run, one panel per policy (never stacked).
  // GPU and host memory apart: a 1 TiB host cache would flatten an 80 GiB GPU on one axis.
  const kindOf = (track: string) => (!isMemoryTrack(track) ? 'queue' : /^gpu\d+/.test(track) ? 'gpu-memory' : 'host-memory');
  for (const kind of ['gpu-memory', 'host-memory', 'queue'] as const) {
    const memory = kind !== 'queue';
    const rows = r.gantt.flatMap((g) =>
      g.counters
        .filter((c) => onShownGpu(c.track) && kindOf(c.track) === kind)
        .map((c) => ({ policy: g.policy, track: c.track, t_s: c.t_s, value: memory ? c.value / GIB : c.value, max: memory ? c.max / GIB : c.max })),
    );
    if (rows.length === 0) continue;
    const unit = memory ? 'GiB' : 'requests';
    const title = `${kind === 'gpu-memory' ? `${firstGpu} memory in use (GiB)` : kind === 'host-memory' ? 'Host memory in use (GiB)' : 'Queue length'}${focusLabel}`;
    const y = { field: 'value', type: 'quantitative', title: unit, stack: null };
    charts.push({
      id: `occupancy-${kind}`,
      title,
      caption: `One panel per policy, one line per ${memory ? 'memory pool' : 'queue'} (never stacked): the value at the end of each time bin, the shade its peak${memory ? '; GiB = 2^30 bytes' : ''}.`,
      spec: {
        ...base(title),
        data: { values: rows },
        facet: { row: { field: 'policy', type: 'nominal', title: null, header: ROW_HEADER, sort: policyOrder(r) } },
        spec: {
          width: WIDTH,
          height: 100,
          layer: [
            { mark: { type: 'area', opacity: 0.15, interpolate: 'step-after' }, encoding: { x: { field: 't_s', type: 'quantitative', title: 'simulated time (s)' }, y: { ...y, field: 'max' }, color: { field: 'track', type: 'nominal', title: memory ? 'memory' : 'queue', legend: LEGEND } } },
            { mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1 }, encoding: { x: { field: 't_s', type: 'quantitative' }, y, color: { field: 'track', type: 'nominal' } } },
          ],
        },
        resolve: { scale: { x: 'independent' } },
      },
    });
  }

  // 6. Gantt view of a short window: what ran where, with bubbles and overlap visible. Every op
  // type gets its own colour (one domain across policies); only the first GPU's tracks (and
  // shared ones: links, CPU) are shown, the same GPU for every policy.
  const opCounts = new Map<string, number>();
  for (const g of r.gantt) for (const s of g.slices) opCounts.set(s.name, (opCounts.get(s.name) ?? 0) + 1);
  const opNames = [...opCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  const ganttRows = r.gantt.flatMap((g) => {
    const top = new Set(opNames.slice(0, MAX_SLICE_NAMES));
    return g.slices.filter((s) => onShownGpu(s.track)).map((s) => ({ policy: g.policy, track: s.track, op: top.has(s.name) ? s.name : 'other', name: s.name, start_ms: 1000 * s.start_s, end_ms: 1000 * s.end_s }));
  });
  if (ganttRows.length > 0) {
    // One time axis for all policies when they share a window (runs record the first policy's);
    // results from before that keep an axis each, and the caption says so.
    const g0 = r.gantt[0]!;
    const shared = r.gantt.every((g) => g.from_s === g0.from_s && g.to_s === g0.to_s) && g0.to_s > g0.from_s;
    const ms = (s: number) => Number((1000 * s).toPrecision(4)).toString();
    const windowText = shared
      ? `All policies are drawn over the same ${ms(g0.to_s - g0.from_s)} ms of simulated time (${ms(g0.from_s)}–${ms(g0.to_s)} ms, the window of consecutive ops from the middle of ${g0.policy}'s run), on the same axis.`
      : `Each policy's window is consecutive ops from the middle of its own run, so the time axes differ.`;
    charts.push({
      id: 'gantt',
      title: `Gantt view of a short window${focusLabel}`,
      caption: `Each bar is an op on a stream, copy engine or CPU of ${firstGpu ?? 'the system'} (one colour per op type); gaps are bubbles, bars at the same time on different tracks are overlap. ${windowText}`,
      spec: {
        ...base(`Gantt view of a short window${focusLabel}`),
        data: { values: ganttRows },
        facet: { row: { field: 'policy', type: 'nominal', title: null, header: ROW_HEADER, sort: policyOrder(r) } },
        spec: {
          width: WIDTH,
          height: { step: 16 },
          mark: { type: 'bar', cornerRadius: 1 },
          encoding: {
            y: { field: 'track', type: 'nominal', title: null },
            x: {
              field: 'start_ms',
              type: 'quantitative',
              title: 'simulated time (ms)',
              scale: shared ? { domain: [1000 * g0.from_s, 1000 * g0.to_s], nice: false, zero: false } : { zero: false },
            },
            x2: { field: 'end_ms' },
            color: { field: 'op', type: 'nominal', title: 'op', scale: { domain: [...opNames.slice(0, MAX_SLICE_NAMES), ...(opNames.length > MAX_SLICE_NAMES ? ['other'] : [])], scheme: 'tableau20' }, legend: LEGEND },
            tooltip: [{ field: 'name' }, { field: 'track' }, { field: 'start_ms', format: '.3f' }, { field: 'end_ms', format: '.3f' }],
          },
        },
        // Independent x scales with one explicit domain: every panel keeps its own time axis, all alike.
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
    });
  }
  return charts;
}

/** A headline metric against the first sweep key; other sweep keys split the series. */
export function sweepChart(r: ResultsFile, metric: string, xKey: string): Chart {
  const others = r.sweep.keys.slice(1);
  const numeric = r.sweep.points.every((p) => typeof p[xKey] === 'number');
  const sat = saturationOf(r);
  const rows = r.runs.map((run: RunRecord) => {
    const mean = metricAt(run.metrics, metric);
    // A saturated run's interval says how long the run was: no band, and the point is marked.
    const saturated = (sat.get(run)?.saturated ?? 0) > 0 && saturationHides(metric);
    const ci = saturated ? undefined : run.intervals?.[metric];
    const rest = others.length ? ` (${others.map((k) => `${k}=${JSON.stringify(run.params[k])}`).join(', ')})` : '';
    return {
      series: run.policy + rest,
      x: numeric ? run.params[xKey] : JSON.stringify(run.params[xKey]),
      mean: Number.isFinite(mean) ? mean : null,
      lo: ci && ci.n > 1 ? ci.lo : mean,
      hi: ci && ci.n > 1 ? ci.hi : mean,
      status: saturated ? 'saturated' : 'stable',
    };
  });
  const xs = [...new Set(rows.map((row) => row.x))];
  // Ticks at the swept values, labelled exactly: an explicit precision, since vega otherwise
  // derives one from the tick step and prints 0.15 as 0.1 and 4.25 as 4.3.
  const ticks = numeric && xs.length <= 12 ? { axis: { values: xs, format: '.12~g', labelOverlap: false } } : {};
  const x = { field: 'x', type: numeric ? 'quantitative' : 'ordinal', title: xKey, ...(numeric ? { scale: { zero: false } } : {}), ...ticks };
  const series = [...new Set(rows.map((row) => row.series))];
  const color = { field: 'series', type: 'nominal', title: 'policy', scale: { domain: series }, sort: series, legend: LEGEND };
  const hasBands = r.runs.some((run) => (run.intervals?.[metric]?.n ?? 0) > 1);
  const log = needsLog(rows.map((row) => row.mean ?? NaN));
  // On a log axis a band reaching 0 or below cannot be drawn: such bands are left out.
  // A band reaching 0 or below is clipped at half the smallest mean (the axis floor) on a log axis.
  const floor = Math.min(...rows.map((row) => row.mean ?? Infinity).filter((v) => v > 0)) / 2;
  const bandRows = rows.filter((row) => row.status === 'stable').map((row) => (log && !(row.lo > 0) ? { ...row, lo: floor } : row));
  const anySaturated = rows.some((row) => row.status === 'saturated');
  const yTitle = `${metric}${log ? ' (log scale)' : ''}`;
  const yScale = log ? { type: 'log' } : { zero: false };
  return {
    id: `sweep-${metric.replace(/[^a-z0-9]+/gi, '-')}`,
    title: `${metric} vs ${xKey}`,
    caption: `${hasBands ? 'Mean over replications; the band is the 95% interval (t, or bootstrap for fractions and percentiles).' : '1 replication: no interval (set replications > 1).'}${log ? ' Log scale: the values span more than 1.5 decades.' : ''}${anySaturated ? ' A cross marks a saturated run (its queue grows without bound): no band, its value reflects the run length.' : ''}`,
    spec: {
      ...base(`${metric} vs ${xKey}`),
      data: { values: rows },
      width: WIDTH,
      height: 260,
      layer: [
        ...(hasBands
          ? [{ data: { values: bandRows }, mark: numeric ? { type: 'errorband', opacity: 0.25 } : { type: 'errorbar' }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle, scale: yScale }, y2: { field: 'hi' }, color } }]
          : []),
        { mark: { type: 'line' }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, scale: yScale }, color } },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', title: yTitle, scale: yScale },
            color,
            shape: { field: 'status', type: 'nominal', title: 'run', scale: { domain: ['stable', 'saturated'], range: ['circle', 'cross'] }, legend: anySaturated ? LEGEND : null },
            tooltip: [{ field: 'series', title: 'policy' }, { field: 'x', title: xKey }, { field: 'mean' }, { field: 'lo' }, { field: 'hi' }, { field: 'status' }],
          },
        },
      ],
    },
  };
}

/** Without a sweep: each headline metric per policy, bars with 95% error bars. */
function policyBars(r: ResultsFile): Chart {
  const order = [...new Set(r.runs.map((x) => x.policy))];
  const rows = r.headline.flatMap(({ metric }) =>
    r.runs.map((run) => {
      const mean = metricAt(run.metrics, metric);
      const ci = run.intervals?.[metric];
      return { metric, policy: run.policy, mean: Number.isFinite(mean) ? mean : null, lo: ci && ci.n > 1 ? ci.lo : mean, hi: ci && ci.n > 1 ? ci.hi : mean };
    }),
  );
  return {
    id: 'policy-metrics',
    title: 'Headline metrics per policy',
    caption: 'Bars are means over replications; whiskers the 95% t-interval (absent with one replication).',
    spec: {
      ...base('Headline metrics per policy'),
      data: { values: rows },
      facet: { field: 'metric', type: 'nominal', title: null },
      columns: 3,
      spec: {
        width: 170,
        height: 150,
        layer: [
          { mark: 'bar', encoding: { x: { field: 'policy', type: 'nominal', sort: order, title: null, axis: { labelAngle: -30, labelLimit: 0 } }, y: { field: 'mean', type: 'quantitative', title: null }, color: { ...policyColor(r), legend: null } } },
          { mark: { type: 'errorbar', ticks: true }, encoding: { x: { field: 'policy', type: 'nominal', sort: order }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

/** All flattened metric paths of a results file (for docs and the summary). */
export function metricPaths(r: ResultsFile): string[] {
  const seen = new Set<string>();
  for (const run of r.runs) for (const [p] of flattenMetrics(run.metrics)) seen.add(p);
  return [...seen];
}
