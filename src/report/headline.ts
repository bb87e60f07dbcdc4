/**
 * The first screen of a report: a verdict in a few sentences computed from the results (the key
 * metric at the last sweep point where two policies are stable, the best policy against the
 * baseline with its paired 95% interval; which policies saturate at the last point; how often the
 * best one leads), and a compact table of the headline metrics.
 */
import type { SaturationVerdict } from '../metrics/saturation.js';
import { esc } from './escape.js';
import { fmt, metricAt } from './metrics.js';
import { cellText, saturationHides, saturationOf } from './status.js';
import { paramsLabel } from './text.js';
import type { Comparison, ResultsFile, RunRecord } from './types.js';
import { differenceText, judge, pointOf, relativeOf } from './verdict.js';

export interface Verdict {
  text: string;
  metric: string;
  point: number;
  /** The comparison the first sentence reports (b is the best policy), if any. */
  comparison: Comparison | null;
}

/** The metric the verdict and the key chart are about: the first headline metric with a direction. */
export function keyMetric(r: ResultsFile): { metric: string; direction: 'lower' | 'higher' | null } | undefined {
  return r.headline.find((h) => h.direction !== null) ?? r.headline[0];
}

export function verdictOf(r: ResultsFile): Verdict | null {
  const key = keyMetric(r);
  if (!key || r.runs.length === 0) return null;
  const { metric, direction } = key;
  const sat = saturationOf(r);
  const value = (run: RunRecord) => metricAt(run.metrics, metric);
  const sign = direction === 'higher' ? -1 : 1;
  const hidden = (run: RunRecord) => sat.get(run)!.saturated > 0 && saturationHides(metric);
  const rank = (xs: RunRecord[]) => xs.filter((x) => Number.isFinite(value(x))).sort((x, y) => sign * (value(x) - value(y)));
  const points = [...new Set(r.runs.map((x) => x.point))].sort((a, b) => a - b);
  const last = points[points.length - 1]!;
  // The last sweep point where at least two policies are stable: a saturated run's times say how
  // long the run was, so comparing them says nothing about the policies.
  const stableAt = (p: number) => r.runs.filter((x) => x.point === p && !hidden(x));
  const point = [...points].reverse().find((p) => stableAt(p).length >= 2) ?? last;
  const runs = r.runs.filter((x) => x.point === point);
  const where = r.sweep.keys.length ? `At ${paramsLabel(r.sweep.points[point] ?? {})}, ` : '';
  const pool = stableAt(point).length > 0 ? stableAt(point) : runs;
  const best = rank(pool)[0];
  if (!best) return null;
  // Against the baseline (the first policy), unless it is the best or equal to it: then the
  // runner-up that differs.
  const baseline = pool.includes(runs[0]!) && value(runs[0]!) !== value(best) ? runs[0]! : undefined;
  const other = baseline ?? rank(pool.filter((x) => value(x) !== value(best)))[0];
  const sentences: string[] = [];
  let comparison: Comparison | null = null;
  const ties = pool.filter((x) => x !== best && value(x) === value(best));
  if (runs.length === 1) {
    sentences.push(`${where}${best.policy}: ${metric} ${fmt(value(best))}.`);
  } else if (!other) {
    sentences.push(`${where}every policy has the same ${metric} (${fmt(value(best))}).`);
  } else if (other) {
    comparison = r.comparisons.find((c) => c.point === point && c.metric === metric && ((c.a === other.policy && c.b === best.policy) || (c.a === best.policy && c.b === other.policy))) ?? null;
    // Report as best - other, whichever order the comparison was stored in.
    if (comparison && comparison.b !== best.policy) comparison = flip(comparison);
    const word = direction === 'higher' ? 'highest' : 'lowest';
    const j = comparison ? judge(comparison) : 'no-interval';
    if (!comparison || j === 'no-interval') {
      sentences.push(`${where}${best.policy} has the ${word} ${metric}: ${fmt(value(best))} vs ${fmt(value(other))} for ${other.policy} (1 replication: no interval).`);
    } else if (j === 'significant') {
      const rel = relativeOf(comparison);
      const d = comparison.difference;
      const dirWord = pointOf(comparison) < 0 ? 'lower' : 'higher';
      const amount = rel ? `${(100 * Math.abs(rel.mean)).toFixed(1)}% ${dirWord}` : `${fmt(Math.abs(d.mean))} ${dirWord} (absolute)`;
      const [l, h] = rel ? [Math.abs(rel.lo), Math.abs(rel.hi)].sort((x, y) => x - y) : [d.lo, d.hi];
      const ci = rel ? `${(100 * l!).toFixed(1)}–${(100 * h!).toFixed(1)}%` : `${fmt(l)} to ${fmt(h)}`;
      sentences.push(`${where}${best.policy} has ${amount} ${metric} than ${other.policy} (${fmt(value(best))} vs ${fmt(value(other))}; 95% CI of the difference ${ci}, ${d.n} replications).`);
      if (ties.length) sentences.push(`${ties.map((x) => x.policy).join(' and ')} ${ties.length > 1 ? 'have' : 'has'} the same ${metric} as ${best.policy}.`);
    } else {
      const why = j === 'negligible' ? 'significant but below the 1% practical threshold' : 'not significant';
      sentences.push(`${where}no policy is better on ${metric}: ${best.policy} vs ${other.policy} ${differenceText(comparison)}, ${why}.`);
    }
  }
  const lastRuns = r.runs.filter((x) => x.point === last);
  const saturated = lastRuns.filter((x) => sat.get(x)!.saturated > 0);
  if (saturated.length > 0) {
    const s = (x: RunRecord): SaturationVerdict => sat.get(x)!;
    const at = r.sweep.keys.length ? `At ${paramsLabel(r.sweep.points[last] ?? {})}` : 'Here';
    const stable = lastRuns.filter((x) => s(x).saturated === 0);
    sentences.push(
      `${at} ${saturated.map((x) => `${x.policy} saturates (${s(x).saturated}/${s(x).replications} replications; ${s(x).reason})`).join(' and ')}${stable.length ? `, while ${stable.map((x) => `${x.policy} stays stable (${metric} ${fmt(value(x))})`).join(' and ')}` : ''}.`,
    );
  }
  if (points.length > 1 && r.sweep.keys.length) {
    const wins = points.filter((p) => {
      const stable = stableAt(p);
      const [top, next] = rank(stable.length ? stable : r.runs.filter((x) => x.point === p));
      // Strictly the lowest (highest): a tie is no lead.
      return top?.policy === best.policy && (next === undefined || value(next) !== value(top));
    }).length;
    sentences.push(`${best.policy} alone has the ${direction === 'higher' ? 'highest' : 'lowest'} mean ${metric} among the stable policies at ${wins} of ${points.length} sweep points.`);
  }
  return { text: sentences.join(' '), metric, point, comparison };
}

function flip(c: Comparison): Comparison {
  const d = c.difference;
  const mb = d.relative !== 0 && Number.isFinite(d.relative) ? d.mean / d.relative + d.mean : NaN;
  const difference = { ...d, mean: -d.mean, lo: -d.hi, hi: -d.lo, relative: Number.isFinite(mb) && mb !== 0 ? -d.mean / mb : NaN };
  // a/b - 1 = 1 / (b/a) - 1: decreasing in b/a, so the ends swap (exact: the log-ratio's sign flips).
  const inv = (x: number) => 1 / (1 + x) - 1;
  if (d.relative_ci) difference.relative_ci = { ...d.relative_ci, mean: inv(d.relative_ci.mean), lo: inv(d.relative_ci.hi), hi: inv(d.relative_ci.lo) };
  return { ...c, a: c.b, b: c.a, difference };
}


/** At most this many rows in the compact table; beyond, only the verdict's sweep point. */
const MAX_COMPACT_ROWS = 12;

/** Policies (x sweep points) as rows, the 4-6 headline metrics as columns. */
export function compactTable(r: ResultsFile, verdictPoint: number): string {
  const metrics = r.headline.slice(0, 6);
  const rows0 = r.runs.length <= MAX_COMPACT_ROWS ? r.runs : r.runs.filter((x) => x.point === verdictPoint);
  const sat = saturationOf(r);
  const head = `<tr>${r.sweep.keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>policy</th>${metrics.map((m) => `<th>${esc(m.metric)}${m.direction ? ` <span class="ns">${m.direction === 'lower' ? '↓' : '↑'}</span>` : ''}</th>`).join('')}</tr>`;
  const body = rows0.map((run) => `<tr>${r.sweep.keys.map((k) => `<td>${esc(typeof run.params[k] === 'object' ? JSON.stringify(run.params[k]) : run.params[k])}</td>`).join('')}<td>${esc(run.policy)}</td>${metrics.map((m) => `<td>${esc(cellText(run, m.metric, metricAt(run.metrics, m.metric), sat.get(run)))}</td>`).join('')}</tr>`);
  return `<table class="compact">${head}${body.join('')}</table>`;
}
