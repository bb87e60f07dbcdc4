/**
 * Per-run reading aids shared by the terminal table and report.html: which runs are saturated
 * (src/metrics/saturation.ts), and how a mean with its interval is written.
 */
import { saturationAtPoint, type SaturationVerdict } from '../metrics/saturation.js';
import type { Interval } from '../metrics/ci.js';
import { fmt } from './metrics.js';
import type { ResultsFile, RunRecord } from './types.js';

/** Saturation verdict per run (same order as results.runs). */
export function saturationOf(r: ResultsFile): Map<RunRecord, SaturationVerdict> {
  const out = new Map<RunRecord, SaturationVerdict>();
  for (const point of new Set(r.runs.map((x) => x.point))) {
    const runs = r.runs.filter((x) => x.point === point);
    saturationAtPoint(runs.map((x) => x.replications)).forEach((v, i) => out.set(runs[i]!, v));
  }
  return out;
}

/** Times of a saturated run depend on the run's length, not on the policy (throughput, its capacity, stays meaningful). */
export function saturationHides(metric: string): boolean {
  return /(_ms|(?<!per)_s)(\.|$)/.test(metric);
}

/** "1651 ± 56.46" (t), "0.99 [0.98, 1]" (bootstrap: asymmetric), or "1651" with one replication. */
export function intervalText(mean: number, ci: Interval | undefined): string {
  if (!ci || ci.n < 2) return fmt(mean);
  if (ci.method === 'bootstrap') return `${fmt(mean)} [${fmt(ci.lo)}, ${fmt(ci.hi)}]`;
  return `${fmt(mean)} ± ${fmt(ci.ci95)}`;
}

/** The cell text of a metric of a run: "saturated" where the value would mislead. */
export function cellText(run: RunRecord, metric: string, mean: number, sat: SaturationVerdict | undefined): string {
  if (sat && sat.saturated > 0 && saturationHides(metric)) return `saturated (${sat.saturated}/${sat.replications})`;
  return intervalText(mean, run.intervals?.[metric]);
}
