/**
 * `servesim validate`: run the fidelity workloads on the device and in the simulator with the
 * profile, and tabulate simulated vs measured per metric with the signed error
 * (simulated - measured) / measured.
 */
import type { CostModel } from '../../src/cost/model.js';
import { ProfileCost } from '../../src/cost/model.js';
import type { OpKind } from '../../src/cost/ops.js';
import { cpus, loadavg } from 'node:os';
import type { Profile } from '../../src/hardware/profile.js';
import { InputError } from '../../src/errors.js';
import { Samples } from '../../src/metrics/summary.js';
import { kendallPairs } from '../../src/fit/kendall.js';
import { median } from '../harness/stats.js';
import type { Gpu } from '../gpu/device.js';
import type { KDtype } from '../kernels/dtype.js';
import { runOnDevice } from './device-driver.js';
import { FAMILIES } from '../calibrate/cases.js';
import { DeviceTimer, FULL_REPEAT, QUICK_REPEAT } from '../harness/timer.js';
import { measureStalls, poolStalls, stallsPerSync, type StallFit } from '../calibrate/stalls.js';
import { submit } from '../kernels/pipeline.js';
import { runInSimulator } from './sim-driver.js';
import { emptyRecord, type DeviceSide, type RunRecord, type Workload } from './stream.js';
import { MOE_POLICIES, moeConfig, moeDevice, moeOpShapes, moeUploadsConfig, moeWorkload, planMoe, type MoeConfig, type MoePolicy } from './moe.js';
import {
  DIFFUSION_POLICIES,
  diffusionConfig,
  diffusionDevice,
  diffusionOpShapes,
  diffusionUploadsConfig,
  diffusionWorkload,
  planDiffusion,
  type DiffusionConfig,
  type DiffusionPolicy,
} from './diffusion.js';
import { factorsOf, meanSpeed, representative, ScaledCost, speedEntries, timeShapes, type OpShape, type SpeedEntry } from './speed.js';

/** A cost model that refuses ops the profile did not fit: a fidelity run must not price on presets. */
class Unfitted implements CostModel {
  readonly overlap = 1;
  opSeconds(op: { kind: OpKind; dtype: string }): number {
    throw new InputError(`profile has no fit for ${op.kind} (${op.dtype}); rerun calibrate without --only`, { field: 'ops' });
  }
  source(): string {
    return 'none';
  }
  link(): undefined {
    return undefined;
  }
}

/**
 * The fidelity workloads: two systems, each at its default shapes and in an upload-heavy variant
 * (moe.ts `moeUploadsConfig`, diffusion.ts `diffusionUploadsConfig`: the regime where the
 * loading policies separate on lavapipe). `validate` runs the defaults unless told otherwise.
 */
export const WORKLOADS = {
  'moe-decode': { system: 'moe', config: moeConfig },
  'diffusion-edit': { system: 'diffusion', config: diffusionConfig },
  'moe-decode-uploads': { system: 'moe', config: moeUploadsConfig },
  'diffusion-edit-uploads': { system: 'diffusion', config: diffusionUploadsConfig },
} as const satisfies Record<string, { system: 'moe'; config: (quick: boolean, dtype: KDtype) => MoeConfig } | { system: 'diffusion'; config: (quick: boolean, dtype: KDtype) => DiffusionConfig }>;
export type WorkloadName = keyof typeof WORKLOADS;
export const DEFAULT_WORKLOADS: WorkloadName[] = ['moe-decode', 'diffusion-edit'];

export interface RunMetrics {
  latency_mean_ms: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  unit_mean_ms: number;
  unit_p50_ms: number;
  unit_p99_ms: number;
  throughput_per_s: number;
  makespan_ms: number;
}

/**
 * Metrics of one run, or pooled over several runs of the same workload: latencies from all of
 * them, throughput and makespan averaged. Pooling is how repeats cut the run-to-run noise of a
 * shared device (and of the simulator's stall draws) instead of picking one run.
 */
export function metricsOf(recs: RunRecord | readonly RunRecord[]): RunMetrics {
  const runs = Array.isArray(recs) ? (recs as readonly RunRecord[]) : [recs as RunRecord];
  const lat = new Samples();
  const unit = new Samples();
  let units = 0;
  let makespan = 0;
  for (const rec of runs) {
    for (const r of rec.requests) lat.add((r.done - r.arrival) * 1e3);
    for (const u of rec.unitLatencies) unit.add(u * 1e3);
    units += rec.requests.reduce((s, r) => s + r.units, 0);
    makespan += rec.makespan;
  }
  const L = lat.summary();
  const U = unit.summary();
  return {
    latency_mean_ms: L.mean,
    latency_p50_ms: L.p50,
    latency_p99_ms: L.p99,
    unit_mean_ms: U.mean,
    unit_p50_ms: U.p50,
    unit_p99_ms: U.p99,
    throughput_per_s: units / makespan,
    makespan_ms: (makespan / runs.length) * 1e3,
  };
}

export interface FidelityRun {
  workload: WorkloadName;
  policy: string;
  /** What a "unit" is: a decode token or a denoising step of the batch. */
  unit: 'token' | 'step';
  simulated: RunMetrics;
  measured: RunMetrics;
  error: Record<keyof RunMetrics, number>;
  /** Each repeat's own metrics, device and simulator (their range is the run-to-run spread). */
  measured_runs: RunMetrics[];
  simulated_runs: RunMetrics[];
  /**
   * Where the simulator priced ops at the device's speed now (speed.ts), the same runs priced at
   * the profile's speeds, and their error: what the table would say without the re-timing.
   */
  simulated_at_profile?: RunMetrics;
  error_at_profile?: Record<keyof RunMetrics, number>;
  uploads: number;
  upload_bytes: number;
  device_wall_s: number;
}

export interface FidelityReport {
  servesim_fidelity: 1;
  created: string;
  adapter: Profile['adapter'];
  profile_created: string;
  mode: 'quick' | 'full';
  dtype: KDtype;
  /** Runs per policy on each side, pooled. */
  repeats: number;
  runs: FidelityRun[];
  summary: { mean_abs_error_latency_mean: number; max_abs_error_latency_mean: number; mean_abs_error_latency_p99: number; max_abs_error_latency_p99: number };
  /** Per workload and ranked metric: do the simulator and the device order the policies alike? */
  ranking: RankingRow[];
  configs: Record<string, unknown>;
  /** Host CPU load around the run: a software adapter shares these cores with everything else. */
  host: { cpus: number; load_1m_start: number; load_1m_end: number };
  /**
   * A reference kernel the profile timed, re-timed before and after the workloads: the device's
   * speed now relative to calibration (1 = unchanged). Errors of the size of this drift come from
   * the device changing (a shared host), not from the model.
   */
  drift?: { op: string; profile_ms: number; before_ms: number; after_ms: number };
  /** The stall rate the simulator used (re-measured before the runs on a software adapter) and the profile's. */
  stalls?: { used_rate_per_s: number; profile_rate_per_s: number; measured_now: boolean; per_sync?: number };
  /**
   * Per workload: its ops re-timed at its shapes before and after the runs, against the profile
   * (speed.ts); `applied` when the simulator priced them at the `before` speeds (a software adapter).
   */
  speed?: Partial<Record<FidelityRun['workload'], WorkloadSpeed>>;
}

/**
 * A workload's ops re-timed at its shapes (speed.ts): `timings[0]` before the device runs, then one
 * after each device run; `used` their mean, which the simulator priced the ops at when `applied` (a
 * software adapter).
 */
export interface WorkloadSpeed {
  applied: boolean;
  timings: SpeedEntry[][];
  used: SpeedEntry[];
  /** The stalls the simulator used for this workload: the probe before the runs and one after each device run, pooled. */
  stalls?: { fits: number; probes: number; seconds: number; rate_per_s: number; per_sync: number };
}

/**
 * The policies of one workload ordered by one metric on each side, and Kendall's tau-b between
 * the orders. Two policies whose measured repeats overlap (the range of one run's value meets the
 * other's) are tied on the device: the device does not order them, so the pair counts as a tie,
 * not a disagreement. With one repeat there is no range and every measured difference counts.
 */
export interface RankingRow {
  workload: FidelityRun['workload'];
  metric: keyof RunMetrics;
  /** Best first (lowest latency; highest throughput). */
  simulated_order: string[];
  measured_order: string[];
  /** Pairs the simulator gives exactly the same value (it does not order them either). */
  simulated_ties: Array<[string, string]>;
  /** Pairs of policies tied on the device (their repeats' ranges overlap). */
  measured_ties: Array<[string, string]>;
  tau: number;
  concordant: number;
  discordant: number;
  pairs: number;
  /** (max - min) / mean of the policies' simulated values: how far apart the simulator puts them. */
  simulated_spread: number;
  /** Median over the policies of (max - min) / mean of their measured repeats: the device's run-to-run spread. */
  measured_repeat_spread: number;
}

/** Metrics the ranking is stated for, and whether higher is better. */
export const RANKED: Array<[keyof RunMetrics, boolean]> = [
  ['latency_mean_ms', false],
  ['unit_mean_ms', false],
  ['throughput_per_s', true],
];

export function rankingOf(runs: readonly FidelityRun[], metric: keyof RunMetrics, higherBetter: boolean): RankingRow {
  const sign = higherBetter ? -1 : 1;
  const order = (v: (r: FidelityRun) => number) => [...runs].sort((a, b) => sign * (v(a) - v(b))).map((r) => r.policy);
  const range = (r: FidelityRun) => {
    const xs = r.measured_runs.map((m) => m[metric]);
    return [Math.min(...xs), Math.max(...xs)] as const;
  };
  const tied = (i: number, j: number): boolean => {
    if (runs[i]!.measured_runs.length < 2 || runs[j]!.measured_runs.length < 2) return false;
    const [a, b] = [range(runs[i]!), range(runs[j]!)];
    return a[0] <= b[1] && b[0] <= a[1];
  };
  const k = kendallPairs(
    runs.map((r) => r.simulated[metric]),
    runs.map((r) => r.measured[metric]),
    tied,
  );
  const ties: Array<[string, string]> = [];
  const simTies: Array<[string, string]> = [];
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++) {
      if (tied(i, j)) ties.push([runs[i]!.policy, runs[j]!.policy]);
      if (runs[i]!.simulated[metric] === runs[j]!.simulated[metric]) simTies.push([runs[i]!.policy, runs[j]!.policy]);
    }
  const simVals = runs.map((r) => r.simulated[metric]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const repeatSpreads = runs.filter((r) => r.measured_runs.length > 1).map((r) => {
    const xs = r.measured_runs.map((m) => m[metric]);
    return (Math.max(...xs) - Math.min(...xs)) / mean(xs);
  });
  return {
    workload: runs[0]!.workload,
    metric,
    simulated_spread: (Math.max(...simVals) - Math.min(...simVals)) / mean(simVals),
    measured_repeat_spread: repeatSpreads.length > 0 ? median(repeatSpreads) : 0,
    simulated_order: order((r) => r.simulated[metric]),
    measured_order: order((r) => r.measured[metric]),
    measured_ties: ties,
    simulated_ties: simTies,
    tau: k.tau,
    concordant: k.concordant,
    discordant: k.discordant,
    pairs: k.pairs,
  };
}

export interface ValidateOptions {
  quick: boolean;
  log?: (line: string) => void;
  /** Limit to these workloads (default both). */
  workloads?: Array<FidelityRun['workload']>;
  /** Device runs per policy, pooled (as many simulator runs, each its own stall draw); default 1 quick, 3 full. */
  repeats?: number;
}

async function warm(gpu: Gpu, side: DeviceSide): Promise<void> {
  const d = gpu.device;
  for (const key of side.warmKeys) submit(d, side.compute(key));
  await d.queue.onSubmittedWorkDone();
}

/** The workload's ops re-timed now (speed.ts), and whether the simulator prices at those speeds. */
interface SpeedProbe {
  /** Timed before the device runs. */
  before: SpeedEntry[];
  retime(): Promise<SpeedEntry[]>;
  apply: boolean;
  /** Re-measure stalls after each device run; the simulator uses them pooled with `stallsBefore`. */
  stalls?: () => Promise<StallFit>;
  stallsBefore?: StallFit;
}

/**
 * Every policy of a workload, `repeats` times on each side. The device runs the policies in
 * turn within each repeat (A B C, A B C, ...), not each policy's repeats back to back: a shared
 * host speeds the device up and slows it down over minutes, and blocks of one policy would
 * turn that drift into a difference between policies. With a speed probe the device's op speeds
 * are re-timed after each device run, and the simulator (run after the device) prices the ops at the
 * mean of those timings and the one before: the device's speed over the runs, not at one moment
 * (on a loaded host one snapshot was 1.5x off the next).
 */
async function comparePolicies(
  gpu: Gpu,
  cost: CostModel,
  probe: SpeedProbe | undefined,
  profile: Profile,
  workload: FidelityRun['workload'],
  unit: FidelityRun['unit'],
  policies: string[],
  make: (policy: string, rec: RunRecord) => Workload,
  side: DeviceSide,
  repeats: number,
  extras: ProfileExtras,
): Promise<{ runs: FidelityRun[]; speed?: WorkloadSpeed }> {
  const simulate = (cost: CostModel, stalls: ProfileExtras['stalls']) => policies.map((policy) =>
    Array.from({ length: repeats }, (_, i) => {
      const rec = emptyRecord();
      runInSimulator(
        {
          cost,
          h2d: profile.links['h2d']!,
          d2h: profile.links['d2h']!,
          issueSeconds: extras.host_issue_s,
          sharedCores: extras.software_adapter,
          uploadHostShare: extras.upload_host_share,
          stalls,
          seed: i + 1,
        },
        make(policy, rec),
      );
      return rec;
    }),
  );
  await warm(gpu, side);
  const dev: RunRecord[][] = policies.map(() => []);
  const wall = policies.map(() => 0);
  const timings: SpeedEntry[][] = probe ? [probe.before] : [];
  const stallFits: StallFit[] = probe?.stallsBefore ? [probe.stallsBefore] : [];
  for (let i = 0; i < repeats; i++) {
    for (let p = 0; p < policies.length; p++) {
      const rec = emptyRecord();
      const t0 = performance.now();
      await runOnDevice(gpu, side, make(policies[p]!, rec));
      wall[p]! += (performance.now() - t0) / 1e3;
      dev[p]!.push(rec);
      if (probe) timings.push(await probe.retime());
      if (probe?.stalls) stallFits.push(await probe.stalls());
    }
  }
  const used = probe ? meanSpeed(timings) : [];
  const scaled = probe?.apply ? new ScaledCost(cost, factorsOf(used)) : undefined;
  const pooled = stallFits.length > 1 ? poolStalls(stallFits) : undefined;
  const stalls = pooled ? { ...pooled, per_sync: stallsPerSync(pooled) } : extras.stalls;
  const sim = simulate(scaled ?? cost, stalls);
  const atProfile = scaled ? simulate(cost, stalls) : undefined;
  const runs = policies.map((policy, p) => row(workload, policy, unit, { sim: sim[p]!, atProfile: atProfile?.[p], dev: dev[p]!, wall: wall[p]! / repeats }));
  const stallsUsed = pooled ? { probes: pooled.probes, seconds: pooled.seconds, rate_per_s: pooled.rate_per_s, per_sync: stallsPerSync(pooled)!, fits: stallFits.length } : undefined;
  return { runs, speed: probe ? { applied: probe.apply, timings, used, ...(stallsUsed ? { stalls: stallsUsed } : {}) } : undefined };
}

function errorsOf(simulated: RunMetrics, measured: RunMetrics): Record<keyof RunMetrics, number> {
  return Object.fromEntries(Object.keys(simulated).map((k) => {
    const key = k as keyof RunMetrics;
    return [key, (simulated[key] - measured[key]) / measured[key]];
  })) as Record<keyof RunMetrics, number>;
}

function row(workload: FidelityRun['workload'], policy: string, unit: FidelityRun['unit'], r: { sim: RunRecord[]; atProfile?: RunRecord[]; dev: RunRecord[]; wall: number }): FidelityRun {
  const simulated = metricsOf(r.sim);
  const measured = metricsOf(r.dev);
  const error = errorsOf(simulated, measured);
  const atProfile = r.atProfile ? metricsOf(r.atProfile) : undefined;
  const [s0, d0] = [r.sim[0]!, r.dev[0]!];
  if (s0.uploads !== d0.uploads) throw new Error(`${workload}/${policy}: simulator issued ${s0.uploads} uploads, device ${d0.uploads}`);
  return {
    workload,
    policy,
    unit,
    simulated,
    measured,
    error,
    measured_runs: r.dev.map((x) => metricsOf(x)),
    simulated_runs: r.sim.map((x) => metricsOf(x)),
    ...(atProfile ? { simulated_at_profile: atProfile, error_at_profile: errorsOf(atProfile, measured) } : {}),
    uploads: d0.uploads,
    upload_bytes: d0.uploadBytes,
    device_wall_s: r.wall,
  };
}

/** Fields a calibrated profile carries beyond profileSchema that the simulator side uses. */
export interface ProfileExtras {
  host_issue_s?: number;
  software_adapter?: boolean;
  /** Share of an upload the issuing host spends in writeBuffer (calibrate/overlap.ts). */
  upload_host_share?: number;
  /** `probes` and `seconds` (the burst probe's count and time) give `per_sync`, the stalls per burst. */
  stalls?: { rate_per_s: number; durations_s: readonly number[]; probes?: number; seconds?: number; per_sync?: number };
}

export async function runFidelity(gpu: Gpu, profile: Profile & ProfileExtras, o: ValidateOptions): Promise<FidelityReport> {
  const extras: ProfileExtras = {
    host_issue_s: profile.host_issue_s,
    software_adapter: profile.software_adapter,
    upload_host_share: profile.upload_host_share,
    stalls: profile.stalls,
  };

  const profileStalls = profile.stalls;
  const log = o.log ?? (() => {});
  const loadStart = loadavg()[0]!;
  for (const l of ['h2d', 'd2h']) if (!profile.links[l]) throw new InputError(`profile has no '${l}' link fit`, { field: `links.${l}` });
  const cost = new ProfileCost(profile, new Unfitted(), 'profile');
  const dtype: KDtype = gpu.hasF16 ? 'f16' : 'f32';
  const want = o.workloads ?? DEFAULT_WORKLOADS;
  const repeats = o.repeats ?? (o.quick ? 1 : 3);
  const reference = referenceKernel(gpu, profile, log);
  const driftBefore = reference ? await reference.time() : undefined;
  // Stalls come from whatever else the host runs, so they are re-measured now (a software
  // adapter's stall rate moved 5.7/s -> 13.2/s between two calibrations an hour apart); the
  // profile's figure is kept in the report for comparison.
  const stallsNow = extras.software_adapter ? await measureStalls(gpu, dtype, o.quick ? 2 : 6) : undefined;
  if (stallsNow) {
    log(`stalls now: ${stallsNow.rate_per_s.toFixed(2)} per s (profile: ${extras.stalls?.rate_per_s.toFixed(2) ?? 'none'})`);
    extras.stalls = stallsNow;
  }
  // The probe's stalls per burst (per sync), where the fit says how many bursts it timed.
  const perSync = extras.stalls ? stallsPerSync(extras.stalls) : undefined;
  if (extras.stalls && perSync !== undefined) extras.stalls = { ...extras.stalls, per_sync: perSync };
  const runs: FidelityRun[] = [];
  const configs: Record<string, unknown> = {};
  // The workloads' own ops, re-timed at their shapes (speed.ts): a software adapter's speed is the
  // host's load, so there the simulator prices them at the speed measured around the runs, as
  // it uses the stall rate measured now.
  const timer = new DeviceTimer(gpu, profile.timing === 'timestamp-query' && gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock');
  const repeat = o.quick ? QUICK_REPEAT : FULL_REPEAT;
  const apply = extras.software_adapter === true;
  const speed: NonNullable<FidelityReport['speed']> = {};
  const probeFor = async (w: FidelityRun['workload'], all: OpShape[], kdtype: KDtype): Promise<SpeedProbe> => {
    const shapes = representative(all, cost, 6);
    const retime = async () => {
      const es = speedEntries(await timeShapes(gpu, kdtype, cost, shapes, timer, repeat));
      log(`${w} ops now: ${es.map((e) => `${e.key} ${e.now_ms.toFixed(3)} ms (profile ${e.profile_ms.toFixed(3)}, x${e.factor.toFixed(2)})`).join(', ')}`);
      return es;
    };
    // A short stall probe after each device run too (pooled with the one before), on a software adapter.
    const stalls = stallsNow ? () => measureStalls(gpu, dtype, 1) : undefined;
    return { before: await retime(), retime, apply, ...(stalls && stallsNow ? { stalls, stallsBefore: stallsNow } : {}) };
  };
  const collect = (w: FidelityRun['workload'], r: { runs: FidelityRun[]; speed?: WorkloadSpeed }) => {
    if (r.speed) speed[w] = r.speed;
    for (const x of r.runs) {
      runs.push(x);
      log(`${w} ${x.policy}: latency mean sim ${x.simulated.latency_mean_ms.toFixed(1)} ms vs measured ${x.measured.latency_mean_ms.toFixed(1)} ms (${(x.error.latency_mean_ms * 100).toFixed(1)}%)`);
    }
  };
  // One workload's policies on both sides; the device side's buffers go whatever happens.
  const compareOn = async (w: WorkloadName, probe: SpeedProbe, unit: FidelityRun['unit'], policies: string[], side: DeviceSide, make: (policy: string, rec: RunRecord) => Workload) => {
    try {
      collect(w, await comparePolicies(gpu, cost, probe, profile, w, unit, policies, make, side, repeats, extras));
    } finally {
      side.destroy();
    }
  };
  // In the table's order, whatever order the flag named them in.
  for (const w of (Object.keys(WORKLOADS) as WorkloadName[]).filter((x) => want.includes(x))) {
    const def = WORKLOADS[w];
    // Arrivals are planned at the profile's speeds, not at a moment's: the workload stays the same
    // from one run to the next (a snapshot taken at a fast moment overloaded the device later).
    if (def.system === 'moe') {
      const plan = planMoe(def.config(o.quick, dtype), cost);
      configs[w] = plan.cfg;
      const probe = await probeFor(w, moeOpShapes(plan), plan.cfg.dtype);
      await compareOn(w, probe, 'token', Object.keys(MOE_POLICIES), moeDevice(gpu, plan), (policy, rec) => moeWorkload(plan, policy as MoePolicy, rec));
    } else {
      const plan = planDiffusion(def.config(o.quick, dtype), cost);
      configs[w] = plan.cfg;
      const probe = await probeFor(w, diffusionOpShapes(plan), plan.cfg.dtype);
      await compareOn(w, probe, 'step', Object.keys(DIFFUSION_POLICIES), diffusionDevice(gpu, plan), (policy, rec) => diffusionWorkload(plan, policy as DiffusionPolicy, rec));
    }
  }
  const driftAfter = reference ? await reference.time() : undefined;
  const abs = (k: keyof RunMetrics) => runs.map((r) => Math.abs(r.error[k]));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    servesim_fidelity: 1,
    created: new Date().toISOString(),
    adapter: gpu.info,
    profile_created: profile.created,
    mode: o.quick ? 'quick' : 'full',
    dtype,
    repeats,
    runs,
    summary: {
      mean_abs_error_latency_mean: mean(abs('latency_mean_ms')),
      max_abs_error_latency_mean: Math.max(...abs('latency_mean_ms')),
      mean_abs_error_latency_p99: mean(abs('latency_p99_ms')),
      max_abs_error_latency_p99: Math.max(...abs('latency_p99_ms')),
    },
    ranking: [...new Set(runs.map((r) => r.workload))].flatMap((w) => RANKED.map(([m, hi]) => rankingOf(runs.filter((r) => r.workload === w), m, hi))),
    configs,
    host: { cpus: cpus().length, load_1m_start: loadStart, load_1m_end: loadavg()[0]! },
    speed,
    ...(extras.stalls ? { stalls: { used_rate_per_s: extras.stalls.rate_per_s, profile_rate_per_s: profileStalls?.rate_per_s ?? 0, measured_now: stallsNow !== undefined, ...(perSync !== undefined ? { per_sync: perSync } : {}) } } : {}),
    ...(reference && driftBefore !== undefined && driftAfter !== undefined
      ? { drift: { op: reference.label, profile_ms: reference.profileMs, before_ms: driftBefore, after_ms: driftAfter } }
      : {}),
  };
}

/** The profile's GEMM 128^3 f32 sample (present in every calibration), re-timeable now. */
function referenceKernel(gpu: Gpu, profile: Profile, log: (l: string) => void) {
  const sample = profile.samples.find((s) => s.op === 'gemm_f32' && s.shape['m'] === 128 && s.shape['n'] === 128 && s.shape['k'] === 128);
  if (!sample) return undefined;
  const timer = new DeviceTimer(gpu, profile.timing === 'timestamp-query' && gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock');
  const label = 'gemm_f32 128x128x128';
  return {
    label,
    profileMs: sample.median_s * 1e3,
    async time(): Promise<number> {
      const p = FAMILIES.gemm.prepare(gpu, 'f32', { m: 128, n: 128, k: 128 });
      try {
        const ms = (await timer.measure(p.invs, QUICK_REPEAT)).median_s * 1e3;
        log(`reference ${label}: ${ms.toFixed(2)} ms now, ${(sample.median_s * 1e3).toFixed(2)} ms in the profile`);
        return ms;
      } finally {
        p.destroy();
      }
    },
  };
}

const METRIC_LABELS: Array<[keyof RunMetrics, string]> = [
  ['latency_mean_ms', 'request latency mean (ms)'],
  ['latency_p50_ms', 'request latency p50 (ms)'],
  ['latency_p99_ms', 'request latency p99 (ms)'],
  ['unit_mean_ms', 'per-{unit} latency mean (ms)'],
  ['unit_p50_ms', 'per-{unit} latency p50 (ms)'],
  ['unit_p99_ms', 'per-{unit} latency p99 (ms)'],
  ['throughput_per_s', '{unit}s/s'],
  ['makespan_ms', 'makespan (ms)'],
];

export function fidelityMarkdown(r: FidelityReport): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  const lines = [
    `# Fidelity: simulated vs measured on ${r.adapter.description}`,
    '',
    `Mode ${r.mode}, ${r.dtype} kernels${kernelDtypes(r)}, profile of ${r.profile_created}, run ${r.created}. Each side ran every policy ${r.repeats} time(s), the device the policies in turn within each repeat; metrics pool the runs. Error = (simulated - measured) / measured.`,
    `Host: ${r.host.cpus} CPUs, 1-minute load ${r.host.load_1m_start.toFixed(1)} at the start and ${r.host.load_1m_end.toFixed(1)} at the end (a software adapter computes on these cores).`,
    ...(r.drift
      ? [
          `Device drift: reference ${r.drift.op} took ${r.drift.profile_ms.toFixed(2)} ms at calibration, ${r.drift.before_ms.toFixed(2)} ms before and ${r.drift.after_ms.toFixed(2)} ms after these runs (x${(r.drift.before_ms / r.drift.profile_ms).toFixed(2)}, x${(r.drift.after_ms / r.drift.profile_ms).toFixed(2)}).`,
        ]
      : []),
    ...(r.stalls
      ? [
          r.stalls.per_sync !== undefined
            ? `Stalls: ${r.stalls.used_rate_per_s.toFixed(2)} per s of probe time, ${r.stalls.per_sync.toFixed(3)} per probe burst (${r.stalls.measured_now ? 're-measured before these runs' : 'from the profile'}; the profile measured ${r.stalls.profile_rate_per_s.toFixed(2)} per s); the simulator stalls each sync with that probability.`
            : `Stalls: ${r.stalls.used_rate_per_s.toFixed(2)} per s of device time in the simulator (${r.stalls.measured_now ? 're-measured before these runs' : 'from the profile'}; the profile measured ${r.stalls.profile_rate_per_s.toFixed(2)}).`,
        ]
      : []),
    ...speedLines(r),
    `Summary: |error| of mean latency: mean ${pct(r.summary.mean_abs_error_latency_mean).slice(1)}, max ${pct(r.summary.max_abs_error_latency_mean).slice(1)}; of p99 latency: mean ${pct(r.summary.mean_abs_error_latency_p99).slice(1)}, max ${pct(r.summary.max_abs_error_latency_p99).slice(1)}.`,
    ...atProfileLines(r),
    ...rankingLines(r),
    '',
    '| workload | policy | metric | simulated | measured | measured range over repeats | error |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const run of r.runs)
    for (const [k, label] of METRIC_LABELS) {
      const xs = (run.measured_runs ?? []).map((m) => m[k]);
      const range = xs.length > 1 ? `${num(Math.min(...xs))} - ${num(Math.max(...xs))}` : '-';
      lines.push(`| ${run.workload} | ${run.policy} | ${label.replace('{unit}', run.unit)} | ${num(run.simulated[k])} | ${num(run.measured[k])} | ${range} | ${pct(run.error[k])} |`);
    }
  lines.push('', '| workload | policy | uploads | MiB uploaded | device wall (s) |', '| --- | --- | --- | --- | --- |');
  for (const run of r.runs) lines.push(`| ${run.workload} | ${run.policy} | ${run.uploads} | ${(run.upload_bytes / 2 ** 20).toFixed(1)} | ${run.device_wall_s.toFixed(1)} |`);
  return lines.join('\n') + '\n';
}

/** Workloads whose config asks for other kernels than the device's default (the upload variants run f32). */
function kernelDtypes(r: FidelityReport): string {
  const other = Object.entries(r.configs).filter(([, c]) => (c as { dtype?: string }).dtype !== undefined && (c as { dtype: string }).dtype !== r.dtype);
  return other.length > 0 ? ` (${other.map(([w, c]) => `${w}: ${(c as { dtype: string }).dtype}`).join(', ')})` : '';
}

/** The re-timed op speeds, one line per workload. */
function speedLines(r: FidelityReport): string[] {
  const ws = Object.entries(r.speed ?? {});
  if (ws.length === 0) return [];
  const ms = (x: number) => x.toFixed(3);
  const out = [
    "Op speeds: each workload's ops re-timed at its own shapes (count-weighted mean op time, calibration's timer) before its runs and after each device run, against the profile's price for the same ops:",
  ];
  for (const [w, sp] of ws) {
    const parts = sp!.used.map((u) => {
      const seen = sp!.timings.map((t) => t.find((e) => e.key === u.key)!.now_ms);
      return `${u.key} ${ms(u.profile_ms)} ms in the profile, ${ms(Math.min(...seen))}-${ms(Math.max(...seen))} in ${seen.length} timings (mean ${ms(u.now_ms)}, x${u.factor.toFixed(2)})`;
    });
    const st = sp!.stalls ? ` Stalls pooled over ${sp!.stalls.fits} probes (${sp!.stalls.probes} bursts, ${sp!.stalls.seconds.toFixed(1)} s): ${sp!.stalls.per_sync.toFixed(3)} per sync (${sp!.stalls.rate_per_s.toFixed(1)} per s of probe time), which the simulator used.` : '';
    const atStart = (r.configs[w] as { arrivals?: string } | undefined)?.arrivals === 'at-start';
    const arrivals = atStart ? 'every request waited at the start' : 'the arrivals were planned at the profile';
    out.push(`- ${w}: ${parts.join('; ')}. ${sp!.applied ? `The simulator priced each op kind at its mean (a software adapter computes on the shared host); ${arrivals}.` : 'Reported only: the simulator priced the ops at the profile.'}${st}`);
  }
  return out;
}

/** What the errors would be at the profile's op speeds, where the simulator used the re-timed ones. */
function atProfileLines(r: FidelityReport): string[] {
  const runs = r.runs.filter((x) => x.error_at_profile);
  if (runs.length === 0) return [];
  const pct = (x: number) => `${(Math.abs(x) * 100).toFixed(1)}%`;
  const stat = (k: keyof RunMetrics) => {
    const xs = runs.map((x) => Math.abs(x.error_at_profile![k]));
    return `mean ${pct(xs.reduce((a, b) => a + b, 0) / xs.length)}, max ${pct(Math.max(...xs))}`;
  };
  return [`Priced at the profile's op speeds instead (same runs, same arrivals): |error| of mean latency: ${stat('latency_mean_ms')}; of per-unit latency mean: ${stat('unit_mean_ms')}; of per-unit latency p50: ${stat('unit_p50_ms')}.`];
}

/** The ranking agreement, one line per workload and ranked metric. */
function rankingLines(r: FidelityReport): string[] {
  if (!r.ranking || r.ranking.length === 0) return [];
  const label = (m: keyof RunMetrics, unit: string) => METRIC_LABELS.find(([k]) => k === m)![1].replace('{unit}', unit);
  const out = [
    '',
    `Ranking agreement (Kendall tau-b between the simulated and measured orders of the policies; ${r.repeats > 1 ? "two policies whose measured repeats' ranges overlap are tied on the device: a tie, not a disagreement" : 'one repeat: no spread, so every measured difference counts'}):`,
    '',
  ];
  for (const k of r.ranking) {
    const unit = r.runs.find((x) => x.workload === k.workload)?.unit ?? 'unit';
    const tau = Number.isFinite(k.tau) ? k.tau.toFixed(2) : 'n/a (one side orders no pair)';
    const ties = k.measured_ties.length > 0 ? `; tied on the device: ${k.measured_ties.map(([a, b]) => `${a} ~ ${b}`).join(', ')}` : '';
    const simTies = (k.simulated_ties ?? []).length > 0 ? `; equal in the simulator: ${k.simulated_ties.map(([a, b]) => `${a} = ${b}`).join(', ')}` : '';
    const spread =
      k.simulated_spread !== undefined
        ? `; the simulator puts the policies ${(k.simulated_spread * 100).toFixed(1)}% apart (max - min over mean)${r.repeats > 1 ? `, a policy's measured repeats span ${(k.measured_repeat_spread * 100).toFixed(1)}% (median)` : ''}`
        : '';
    out.push(
      `- ${k.workload}, ${label(k.metric, unit)}, best first: simulated ${k.simulated_order.join(', ')}; measured ${k.measured_order.join(', ')}; tau ${tau}: ${k.concordant} of ${k.pairs} pairs agree, ${k.discordant} disagree${ties}${simTies}${spread}.`,
    );
  }
  return out;
}
