/**
 * Job results -> results.json. Replications of one (point, policy) become a run whose metrics are
 * the means, with 95% intervals (t, or bootstrap for fractions and percentiles: metrics/ci.ts); policies at the same point are compared pairwise on the same
 * seeds (common random numbers, so the paired difference is the right interval); each directional
 * metric gets a winner. The reverse (results.json -> job results) serves `merge` and `--resume`,
 * and reassembling gives the same bytes.
 */
import { availableParallelism } from 'node:os';
import { metricInterval, pairedDifference, type PairedDifference } from '../metrics/ci.js';
import { roundSig } from '../metrics/summary.js';
import type { Metrics, MetricValue } from '../metrics/types.js';
import { flattenMetrics, headlineMetrics, metricAt, metricDirection, type Direction } from '../report/metrics.js';
import type { Comparison, Interval, ResultsFile, RunRecord, Winner } from '../report/types.js';
import { libraryVersions, servesimVersion } from '../version.js';
import type { JobResult } from './execute.js';
import { inShard, jobKey, jobsOf, type Plan, type Shard } from './plan.js';

export interface AssembleMeta {
  shard?: Shard;
  startedAt: Date;
  finishedAt: Date;
  jobs: number;
}

export function assembleResults(plan: Plan, results: Iterable<JobResult>, meta: AssembleMeta): ResultsFile {
  const byIndex = new Map<number, JobResult>();
  for (const r of results) byIndex.set(r.index, r);
  const all = jobsOf(plan);
  const P = plan.policies.length;
  const R = plan.replications;
  const runs: RunRecord[] = [];
  /** runs[point][policy] (undefined when none of its replications finished). */
  const grid: Array<Array<RunRecord | undefined>> = plan.points.map(() => new Array(P).fill(undefined));
  const wall: Record<string, number> = {};
  for (let point = 0; point < plan.points.length; point++) {
    for (let policy = 0; policy < P; policy++) {
      const reps: JobResult[] = [];
      for (let rep = 0; rep < R; rep++) {
        const r = byIndex.get((point * P + policy) * R + rep);
        if (r) {
          reps.push(r);
          wall[jobKey(plan, r)] = roundSig(r.wallSeconds, 4);
        }
      }
      if (reps.length === 0) continue;
      const first = reps[0]!.replication === 0 ? reps[0] : undefined;
      const run: RunRecord = {
        policy: plan.policies[policy]!,
        params: plan.points[point]!,
        point,
        metrics: reps.length === 1 ? reps[0]!.metrics : meanMetrics(reps.map((r) => r.metrics)),
        ...(R > 1 ? { intervals: intervalsOf(reps.map((r) => r.metrics)) } : {}),
        replications: reps.map((r) => ({
          replication: r.replication,
          seed: r.seed,
          metrics: r.metrics,
          conservation: r.conservation,
          simulated_s: r.simulatedSeconds,
          events: r.events,
        })),
        latency_cdf: first?.latencyCdf ?? [],
        utilisation: first?.utilisation ?? [],
      };
      runs.push(run);
      grid[point]![policy] = run;
    }
  }

  const paths = unionPaths(runs);
  const overrides = { lower: plan.report.lower_is_better, higher: plan.report.higher_is_better };
  const headline = headlineMetrics(paths, plan.report.metrics).map((metric) => ({ metric, direction: metricDirection(metric, overrides) }));
  const comparisons: Comparison[] = [];
  const winners: Winner[] = [];
  grid.forEach((row, point) => {
    const present = row.filter((r): r is RunRecord => r !== undefined);
    for (const { metric, direction } of headline) {
      for (let i = 0; i < present.length; i++) {
        for (let j = i + 1; j < present.length; j++) {
          const c = compare(present[i]!, present[j]!, metric, direction);
          if (c) comparisons.push({ point, params: plan.points[point]!, ...c });
        }
      }
    }
    for (const metric of paths) {
      const direction = metricDirection(metric, overrides);
      if (direction) {
        const w = winnerOf(present, metric, direction);
        if (w) winners.push({ point, params: plan.points[point]!, ...w });
      }
    }
  });

  const gantt = [...byIndex.values()]
    .filter((r) => r.gantt)
    .sort((a, b) => a.index - b.index)
    .map((r) => ({ policy: plan.policies[r.policy]!, point: r.point, ...r.gantt! }));
  const expected = all.filter((j) => inShard(plan, j, meta.shard));
  const missing = expected.filter((j) => !byIndex.has(j.index)).map((j) => jobKey(plan, j));

  return {
    servesim: servesimVersion(),
    scenario: {
      name: plan.name,
      system: plan.system,
      seed: plan.seed,
      replications: plan.replications,
      ...(plan.description !== undefined ? { description: plan.description } : {}),
      file: plan.file,
      fingerprint: plan.fingerprint,
    },
    runs,
    comparisons,
    winners,
    sweep: { keys: plan.sweepKeys, points: plan.points },
    headline,
    gantt,
    input: plan.raw,
    versions: { servesim: servesimVersion(), ...libraryVersions() },
    complete: missing.length === 0,
    missing,
    shard: meta.shard ? { index: meta.shard.index, count: meta.shard.count } : null,
    wallclock: {
      started_at: meta.startedAt.toISOString(),
      finished_at: meta.finishedAt.toISOString(),
      wall_s: roundSig((meta.finishedAt.getTime() - meta.startedAt.getTime()) / 1000, 4),
      jobs: meta.jobs,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      run_wall_s: wall,
    },
  };
}

/** The job results stored in a results file (for merge and --resume). */
export function jobResultsOf(plan: Plan, file: ResultsFile): JobResult[] {
  const P = plan.policies.length;
  const R = plan.replications;
  const out: JobResult[] = [];
  for (const run of file.runs) {
    const policy = plan.policies.indexOf(run.policy);
    if (policy < 0 || run.point >= plan.points.length) continue;
    for (const rep of run.replications) {
      const index = (run.point * P + policy) * R + rep.replication;
      const r: JobResult = {
        index,
        point: run.point,
        policy,
        replication: rep.replication,
        seed: rep.seed,
        metrics: rep.metrics,
        conservation: rep.conservation,
        simulatedSeconds: rep.simulated_s,
        events: rep.events,
        wallSeconds: file.wallclock?.run_wall_s?.[jobKey(plan, { point: run.point, policy, replication: rep.replication })] ?? 0,
      };
      if (rep.replication === 0) {
        r.latencyCdf = run.latency_cdf;
        r.utilisation = run.utilisation;
        const g = file.gantt.find((x) => x.policy === run.policy && x.point === run.point);
        if (g) {
          const { policy: _p, point: _q, ...data } = g;
          r.gantt = data;
        }
      }
      out.push(r);
    }
  }
  return out;
}

function unionPaths(runs: readonly RunRecord[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const run of runs) {
    for (const [p] of flattenMetrics(run.metrics)) {
      if (!seen.has(p)) {
        seen.add(p);
        out.push(p);
      }
    }
  }
  return out;
}

/** Leafwise mean of metrics with the same shape (the first one's shape). */
export function meanMetrics(ms: readonly Metrics[]): Metrics {
  const build = (path: string, shape: MetricValue | null): MetricValue => {
    if (shape !== null && typeof shape === 'object') {
      const o: Record<string, MetricValue> = {};
      for (const [k, v] of Object.entries(shape)) o[k] = build(path ? `${path}.${k}` : k, v);
      return o;
    }
    const xs = ms.map((m) => metricAt(m, path));
    return roundSig(xs.reduce((a, b) => a + b, 0) / xs.length);
  };
  return build('', ms[0]!) as Metrics;
}

export function intervalsOf(ms: readonly Metrics[]): Record<string, Interval> {
  const out: Record<string, Interval> = {};
  for (const [path] of flattenMetrics(ms[0]!)) out[path] = roundInterval(metricInterval(path, ms.map((m) => metricAt(m, path))));
  return out;
}

function roundInterval<T extends Interval>(i: T): T {
  const o = { ...i };
  for (const k of ['mean', 'ci95', 'lo', 'hi'] as const) o[k] = roundSig(i[k]);
  return o;
}

function roundDifference(d: PairedDifference): PairedDifference {
  const o = { ...roundInterval(d), relative: roundSig(d.relative) };
  if (d.relative_ci) o.relative_ci = { ...d.relative_ci, mean: roundSig(d.relative_ci.mean), lo: roundSig(d.relative_ci.lo), hi: roundSig(d.relative_ci.hi) };
  return o;
}

/** Replication values of a run by replication index, for pairing. */
function byRep(run: RunRecord, metric: string): Map<number, number> {
  return new Map(run.replications.map((r) => [r.replication, metricAt(r.metrics, metric)]));
}

function paired(a: RunRecord, b: RunRecord, metric: string): [number[], number[]] {
  const va = byRep(a, metric);
  const vb = byRep(b, metric);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [rep, x] of va) {
    const y = vb.get(rep);
    if (y !== undefined && Number.isFinite(x) && Number.isFinite(y)) {
      xs.push(x);
      ys.push(y);
    }
  }
  return [xs, ys];
}

function compare(a: RunRecord, b: RunRecord, metric: string, direction: Direction | null): Omit<Comparison, 'point' | 'params'> | undefined {
  const [xs, ys] = paired(a, b, metric);
  if (xs.length === 0) return undefined;
  const d = roundDifference(pairedDifference(xs, ys, metric));
  let better: string | null = null;
  // The sign of the difference shown (the ratio's where there is one) says which is ahead.
  if (d.significant && direction) better = ((d.relative_ci?.mean ?? d.mean) < 0) === (direction === 'lower') ? b.policy : a.policy;
  return { metric, a: a.policy, b: b.policy, difference: d, better };
}

function winnerOf(runs: readonly RunRecord[], metric: string, direction: Direction): Omit<Winner, 'point' | 'params'> | undefined {
  const scored = runs
    .map((r) => ({ r, v: metricAt(r.metrics, metric) }))
    .filter((x) => Number.isFinite(x.v))
    .sort((x, y) => (direction === 'lower' ? x.v - y.v : y.v - x.v));
  if (scored.length === 0) return undefined;
  const best = scored[0]!;
  const second = scored[1];
  let significant = false;
  const tie = second !== undefined && second.v === best.v;
  if (second && !tie) {
    const [xs, ys] = paired(best.r, second.r, metric);
    significant = xs.length > 1 && pairedDifference(xs, ys, metric).significant;
  }
  return { metric, direction, policy: best.r.policy, mean: best.v, runner_up: second ? second.r.policy : null, significant, tie };
}
