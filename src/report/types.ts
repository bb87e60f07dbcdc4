/**
 * results.json, the contract between a run and everything downstream (reports, merge, notebooks):
 *
 *   { servesim, scenario: {name, system, seed, ...}, runs: [{policy, params, metrics, ...}], ... }
 *
 * `runs[].metrics` holds the system's metrics (the mean over replications when there are several);
 * `_ms` times, `_per_s` rates, fractions 0..1. Everything wall-clock dependent lives under
 * `wallclock` and nowhere else, so two runs of the same scenario differ only there.
 */
import type { Conservation, Metrics } from '../metrics/types.js';

export interface Interval {
  mean: number;
  ci95: number;
  lo: number;
  hi: number;
  n: number;
}

export interface ReplicationRecord {
  replication: number;
  seed: number;
  metrics: Metrics;
  conservation: Conservation;
  simulated_s: number;
  events: number;
}

export interface RunRecord {
  policy: string;
  /** Sweep values of this point, keyed by sweep key (`workload.generator.rps`). */
  params: Record<string, unknown>;
  point: number;
  metrics: Metrics;
  /** Per flattened metric path, 95% t-interval over replications (only with replications > 1). */
  intervals?: Record<string, Interval>;
  replications: ReplicationRecord[];
  /** From replication 0. */
  latency_cdf: Array<{ value: number; p: number }>;
  utilisation: Array<{ t_s: number; resource: string; busy: number }>;
}

export interface Comparison {
  point: number;
  params: Record<string, unknown>;
  metric: string;
  /** Policy labels: the difference is b - a. */
  a: string;
  b: string;
  difference: Interval & { relative: number; significant: boolean };
  /** The label that is better on this metric when the difference is significant, else null. */
  better: string | null;
}

export interface Winner {
  point: number;
  params: Record<string, unknown>;
  metric: string;
  direction: 'lower' | 'higher';
  policy: string;
  mean: number;
  runner_up: string | null;
  /** Paired difference to the runner-up excludes 0 (needs replications > 1). */
  significant: boolean;
  /** The runner-up has the same mean: no winner. */
  tie: boolean;
}

export interface GanttData {
  from_s: number;
  to_s: number;
  slices: Array<{ track: string; name: string; start_s: number; end_s: number }>;
  counters: Array<{ track: string; t_s: number; value: number; max: number }>;
  /** Events the recorder did not keep (its cap was reached). */
  dropped: number;
}

export interface ResultsFile {
  servesim: string;
  scenario: {
    name: string;
    system: string;
    seed: number;
    replications: number;
    description?: string;
    file: string;
    fingerprint: string;
  };
  runs: RunRecord[];
  comparisons: Comparison[];
  winners: Winner[];
  sweep: { keys: string[]; points: Array<Record<string, unknown>> };
  /** Metric paths the summary and sweep charts show, with their direction. */
  headline: Array<{ metric: string; direction: 'lower' | 'higher' | null }>;
  gantt: Array<{ policy: string; point: number } & GanttData>;
  /** The scenario as run (after --set overrides). */
  input: Record<string, unknown>;
  versions: Record<string, string>;
  /** All runs of the scenario (or of this shard) finished. */
  complete: boolean;
  /** Runs not in this file (interrupted, or run by other shards), as `p<point>/<label>/r<rep>`. */
  missing: string[];
  shard: { index: number; count: number } | null;
  /** Everything that depends on the clock or the machine; excluded from determinism checks. */
  wallclock: {
    started_at: string;
    finished_at: string;
    wall_s: number;
    jobs: number;
    node: string;
    platform: string;
    cpus: number;
    /** Wall seconds per run key. */
    run_wall_s: Record<string, number>;
  };
}
