/**
 * Plain-text views of results for the terminal: a compact table (one row per point x policy,
 * headline metrics as mean +/- half-width) and sentences for paired differences
 * ("B is 12.0% +/- 3.1% lower than A on latency_ms.p99").
 */
import { fmt, metricAt } from './metrics.js';
import type { Comparison, ResultsFile } from './types.js';

export function paramsLabel(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length ? parts.join(', ') : '(no sweep)';
}

/** "B is 12.0% +/- 3.1% lower than A" or "no significant difference between A and B". */
export function describeComparison(c: Comparison, direction: 'lower' | 'higher' | null): string {
  const d = c.difference;
  if (d.mean === 0 && d.ci95 === 0) return `${c.a} and ${c.b} are identical on ${d.n > 1 ? 'every replication' : 'this run'}`;
  if (d.n < 2) return `${c.b} vs ${c.a}: ${signedPct(d.relative)} (one replication: no interval)`;
  const rel = Math.abs(d.mean) > 0 && Number.isFinite(d.relative) ? Math.abs(d.ci95 * (d.relative / d.mean)) : NaN;
  if (!d.significant) return `no significant difference between ${c.a} and ${c.b} (${signedPct(d.relative)} +/- ${pct(rel)})`;
  const word = d.mean < 0 ? 'lower' : 'higher';
  const verdict = direction ? ` — ${c.better} is better` : '';
  return `${c.b} is ${pct(Math.abs(d.relative))} +/- ${pct(rel)} ${word} than ${c.a}${verdict}`;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}
function signedPct(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%` : 'n/a';
}

/** The compact table `servesim run` prints. */
export function resultsTable(results: ResultsFile): string {
  const metrics = results.headline.map((h) => h.metric);
  const header = [...results.sweep.keys, 'policy', ...metrics];
  const rows: string[][] = results.runs.map((run) => [
    ...results.sweep.keys.map((k) => String(run.params[k])),
    run.policy,
    ...metrics.map((m) => {
      const ci = run.intervals?.[m];
      const mean = metricAt(run.metrics, m);
      return ci && ci.n > 1 ? `${fmt(mean)} ±${fmt(ci.ci95)}` : fmt(mean);
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < results.sweep.keys.length + 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const dir = new Map(results.headline.map((h) => [h.metric, h.direction]));
  const base = results.runs[0]?.policy;
  // Significant differences first: they are what a reader acts on.
  const all = results.comparisons.filter((c) => c.a === base && c.difference.n > 1);
  const notes = [...all.filter((c) => c.difference.significant), ...all.filter((c) => !c.difference.significant)];
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
