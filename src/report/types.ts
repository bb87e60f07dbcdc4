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

export type { Interval, PairedDifference, RelativeInterval } from '../metrics/ci.js';
import type { Interval, PairedDifference } from '../metrics/ci.js';

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
  difference: PairedDifference;
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
  /** Written by `servesim capacity`: the capacity of each policy under the SLOs (runs[] then hold the metrics at capacity). */
  capacity?: CapacitySection;
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

/** One simulate() call of a capacity search: the searched value and whether the SLOs held. */
export interface CapacityProbe {
  replication: number;
  value: number;
  met: boolean;
  /** The SLO metrics and the recorded `--metric`s of this run. */
  metrics: Record<string, number>;
  /** The configuration could not run at this value (ConfigError): counted as not met. */
  infeasible?: string;
}

export interface CapacityReplication {
  replication: number;
  seed: number;
  /**
   * rate mode: the highest value that met the SLOs (0 when none in range did); gpus mode: the
   * fewest GPUs that met them (null when even the most did not).
   */
  value: number | null;
  /** The value met and the next one tried (rate mode: [met, failed]; gpus mode: [failed, met]); null where unknown. */
  bracket: [number | null, number | null];
  /** found; below-range (not met even at the minimum); above-range (still met at the maximum, or gpus: never met). */
  status: 'found' | 'below-range' | 'above-range';
  runs: number;
}

export interface CapacityPolicy {
  policy: string;
  /** Mean over replications with its 95% t-interval; null when a replication found no value. */
  value: Interval | null;
  /** Met in every replication: the smallest rate (rate mode) / the largest GPU count (gpus mode). */
  guaranteed: number | null;
  replications: CapacityReplication[];
  /** Mean and interval of each recorded metric at each replication's capacity. */
  at_capacity: Record<string, Interval>;
  runs: number;
  probes: CapacityProbe[];
}

export interface CapacitySection {
  /** rate: the highest load meeting the SLOs; gpus: the fewest GPUs meeting them at a fixed load. */
  mode: 'rate' | 'gpus';
  /** The scenario path searched (`workload.generator.rps`, `policy.batch_size`, `hardware.gpus`). */
  knob: string;
  unit: string;
  integer: boolean;
  slo: Array<{ metric: string; op: '<=' | '<' | '>=' | '>'; threshold: number; text: string }>;
  /** Metrics recorded per probe besides the SLO metrics. */
  metrics: string[];
  /** Fields held fixed during the search (gpus mode: the load). */
  fixed: Record<string, unknown>;
  search: { start: number; min: number; max: number; tolerance: number; replications: number };
  policies: CapacityPolicy[];
  /** Paired over replications (same seeds): b - a of the capacity values. */
  comparisons: Array<{ a: string; b: string; difference: Interval & { relative: number; significant: boolean } }>;
  /** simulate() calls spent on the whole search. */
  runs_spent: number;
  notes: string[];
}
