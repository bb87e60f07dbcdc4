/**
 * Plain-text views of results for the terminal: a compact table (one row per point x policy,
 * headline metrics as mean +/- half-width) and sentences for paired differences
 * (src/report/verdict.ts). Saturated runs show "saturated" instead of their times.
 */
import { metricAt } from './metrics.js';
import { cellText, saturationOf } from './status.js';
import type { ResultsFile } from './types.js';
import { describeComparison, judge } from './verdict.js';

export { describeComparison } from './verdict.js';

export function paramsLabel(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length ? parts.join(', ') : '(no sweep)';
}

/** The compact table `servesim run` prints. */
export function resultsTable(results: ResultsFile): string {
  const metrics = results.headline.map((h) => h.metric);
  const header = [...results.sweep.keys, 'policy', ...metrics];
  const sat = saturationOf(results);
  const rows: string[][] = results.runs.map((run) => [
    ...results.sweep.keys.map((k) => String(run.params[k])),
    run.policy,
    ...metrics.map((m) => cellText(run, m, metricAt(run.metrics, m), sat.get(run))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < results.sweep.keys.length + 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const dir = new Map(results.headline.map((h) => [h.metric, h.direction]));
  const base = results.runs[0]?.policy;
  // Significant differences first: they are what a reader acts on.
  const all = results.comparisons.filter((c) => c.a === base && c.difference.n > 1);
  const notes = [...all.filter((c) => judge(c) === 'significant'), ...all.filter((c) => judge(c) !== 'significant')];
  if (notes.length > 0) {
    out.push('', `paired differences vs ${base} (95% CI, common random numbers):`);
    for (const c of notes.slice(0, 12)) {
      const where = results.sweep.keys.length ? ` [${paramsLabel(c.params)}]` : '';
      out.push(`  ${c.metric}${where}: ${describeComparison(c, dir.get(c.metric) ?? null)}`);
    }
    if (notes.length > 12) out.push(`  ... ${notes.length - 12} more in results.json / report.html`);
  }
  return out.join('\n');
}
