/**
 * The contract between a served system (moe, edit, t2i) and the scenario runner. A system is a
 * module with zod schemas for its own parts of a scenario (model, workload, policy) and one
 * simulate() that runs one policy at one sweep point with one seed and returns its metrics.
 * The runner owns everything else: sweeps, replications, parallelism, results.json, reports.
 */
import type { ZodType } from 'zod';
import type { TraceSink } from '../engine/trace.js';
import type { RequestSink } from '../metrics/request-log.js';
import type { ResolvedHardware } from './hardware.js';

export type SystemName = 'moe' | 'edit' | 't2i';

export type { MetricValue, Metrics, Conservation, WarmupConfig } from '../metrics/types.js';
import type { Metrics, Conservation, WarmupConfig } from '../metrics/types.js';

export interface SimulationInput<Model = unknown, Workload = unknown, Policy = unknown> {
  hardware: ResolvedHardware;
  model: Model;
  workload: Workload;
  policy: Policy;
  /** Run seed; every random stream is derived from it by name (common random numbers). */
  seed: number;
  warmup: WarmupConfig;
  /** Latency SLO in ms, for slo_attainment. */
  sloMs?: number;
  /** Directory that relative file paths in the workload (trace files) are resolved against. */
  baseDir: string;
  /** Optional activity sink (Gantt window, Chrome timeline). Off by default: it costs time. */
  trace?: TraceSink;
  /** Optional per-request sink (requests.csv): every finished request, warm-up ones flagged. */
  requests?: RequestSink;
  /** Progress callback, fraction 0..1 of the workload done; called at most ~100 times. */
  onProgress?: (fraction: number) => void;
  /** Aborts the run (Ctrl-C); simulate() then rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface SimulationOutput {
  /** Metrics as in results.json: `_ms` times, `_per_s` rates, fractions 0..1. */
  metrics: Metrics;
  /** Latency CDF points (ms), for the report. */
  latencyCdf: Array<{ value: number; p: number }>;
  /** Busy fraction over time per resource, for the report's utilisation chart. */
  utilisation: Array<{ t_s: number; resource: string; busy: number }>;
  /** Requests in = completed + rejected + in flight (checked by the runner). */
  conservation: Conservation;
  /** Simulated seconds covered. */
  simulatedSeconds: number;
  /** Engine events executed (for the bench's events/s). */
  events: number;
}

export interface PresetInfo {
  name: string;
  summary: string;
  source: string;
}

/**
 * The work one run is, for the estimate `servesim run` prints (and refuses on) before it starts.
 * Costs are measured, per system, on typical shipped scenarios; a configuration can differ from
 * them severalfold (a saturated queue costs more per request), so what is printed is an estimate.
 */
export interface WorkModel {
  /** What a unit is: 'request' (edit, t2i) or 'token' (moe decode tokens). */
  unit: string;
  /** The scenario field that sets the units (for messages): `workload.generator.requests`. */
  field: string;
  /** Units one run simulates (a trace's estimated from its size); undefined when unknown. */
  units(workload: unknown, baseDir: string): number | undefined;
  /** CPU seconds per unit on one core, plus per run (set-up, calibration), and where the figures come from. */
  secondsPerUnit: number;
  secondsPerRun: number;
  /** Memory a run holds per unit (exact percentiles keep every sample), in bytes. */
  bytesPerUnit: number;
  source: string;
}

export interface SystemModule<Model = any, Workload = any, Policy = any> {
  name: SystemName;
  /** One line for `servesim presets` and docs. */
  description: string;
  modelSchema: ZodType<Model>;
  workloadSchema: ZodType<Workload>;
  policySchema: ZodType<Policy>;
  simulate(input: SimulationInput<Model, Workload, Policy>): Promise<SimulationOutput>;
  /**
   * Optional pre-flight: throw a ConfigError (with `field`) for a configuration that can never run
   * (a model whose resident set cannot fit, a cache larger than memory, a batch that cannot fit),
   * without reading the workload or running anything. The scenario loader calls it for every
   * (sweep point, policy) so such a problem is reported, located, before the first run; simulate()
   * still runs the same checks itself.
   */
  check?(input: SimulationInput<Model, Workload, Policy>): void;
  /**
   * The system's own columns of requests.csv, after the common ones, in the order of
   * RequestRecord.extra: `_ms` columns in milliseconds, others counts or 0/1 flags.
   */
  requestColumns?: readonly string[];
  /** Model presets with sources. */
  presets(): PresetInfo[];
  /** Optional work model for the estimate before a run; without it none is made. */
  work?: WorkModel;
}
