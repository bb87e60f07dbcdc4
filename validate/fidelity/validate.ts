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
import type { Gpu } from '../gpu/device.js';
import type { KDtype } from '../kernels/dtype.js';
import { runOnDevice } from './device-driver.js';
import { FAMILIES } from '../calibrate/cases.js';
import { DeviceTimer, QUICK_REPEAT } from '../harness/timer.js';
import { measureStalls } from '../calibrate/stalls.js';
import { submit } from '../kernels/pipeline.js';
import { runInSimulator } from './sim-driver.js';
import { emptyRecord, type DeviceSide, type RunRecord, type Workload } from './stream.js';
import { MOE_POLICIES, moeConfig, moeDevice, moeWorkload, planMoe, type MoePolicy } from './moe.js';
import { DIFFUSION_POLICIES, diffusionConfig, diffusionDevice, diffusionWorkload, planDiffusion, type DiffusionPolicy } from './diffusion.js';

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
  workload: 'moe-decode' | 'diffusion-edit';
  policy: string;
  /** What a "unit" is: a decode token or a denoising step of the batch. */
  unit: 'token' | 'step';
  simulated: RunMetrics;
  measured: RunMetrics;
  error: Record<keyof RunMetrics, number>;
  /** Each repeat's own metrics, device and simulator (their range is the run-to-run spread). */
  measured_runs: RunMetrics[];
  simulated_runs: RunMetrics[];
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
  stalls?: { used_rate_per_s: number; profile_rate_per_s: number; measured_now: boolean };
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
  return {
    workload: runs[0]!.workload,
    metric,
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

/**
 * Every policy of a workload, `repeats` times on each side. The device runs the policies in
 * turn within each repeat (A B C, A B C, ...), not each policy's repeats back to back: a shared
 * host speeds the device up and slows it down over minutes, and blocks of one policy would
 * turn that drift into a difference between policies.
 */
async function comparePolicies(
  gpu: Gpu,
  cost: CostModel,
  profile: Profile,
  workload: FidelityRun['workload'],
  unit: FidelityRun['unit'],
  policies: string[],
  make: (policy: string, rec: RunRecord) => Workload,
  side: DeviceSide,
  repeats: number,
  extras: ProfileExtras,
): Promise<FidelityRun[]> {
  const sim = policies.map((policy) =>
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
          stalls: extras.stalls,
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
  for (let i = 0; i < repeats; i++)
    for (let p = 0; p < policies.length; p++) {
      const rec = emptyRecord();
      const t0 = performance.now();
      await runOnDevice(gpu, side, make(policies[p]!, rec));
      wall[p]! += (performance.now() - t0) / 1e3;
      dev[p]!.push(rec);
    }
  return policies.map((policy, p) => row(workload, policy, unit, { sim: sim[p]!, dev: dev[p]!, wall: wall[p]! / repeats }));
}

function row(workload: FidelityRun['workload'], policy: string, unit: FidelityRun['unit'], r: { sim: RunRecord[]; dev: RunRecord[]; wall: number }): FidelityRun {
  const simulated = metricsOf(r.sim);
  const measured = metricsOf(r.dev);
  const error = Object.fromEntries(Object.keys(simulated).map((k) => {
    const key = k as keyof RunMetrics;
    return [key, (simulated[key] - measured[key]) / measured[key]];
  })) as Record<keyof RunMetrics, number>;
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
  stalls?: { rate_per_s: number; durations_s: readonly number[] };
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
  const want = o.workloads ?? ['moe-decode', 'diffusion-edit'];
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
  const runs: FidelityRun[] = [];
  const configs: Record<string, unknown> = {};
  if (want.includes('moe-decode')) {
    const plan = planMoe(moeConfig(o.quick, dtype), cost);
    configs['moe-decode'] = plan.cfg;
    const side = moeDevice(gpu, plan);
    try {
      const rs = await comparePolicies(gpu, cost, profile, 'moe-decode', 'token', Object.keys(MOE_POLICIES), (policy, rec) => moeWorkload(plan, policy as MoePolicy, rec), side, repeats, extras);
      for (const r of rs) {
        runs.push(r);
        log(`moe-decode ${r.policy}: latency mean sim ${r.simulated.latency_mean_ms.toFixed(1)} ms vs measured ${r.measured.latency_mean_ms.toFixed(1)} ms (${(r.error.latency_mean_ms * 100).toFixed(1)}%)`);
      }
    } finally {
      side.destroy();
    }
  }
  if (want.includes('diffusion-edit')) {
    const plan = planDiffusion(diffusionConfig(o.quick, dtype), cost);
    configs['diffusion-edit'] = plan.cfg;
    const side = diffusionDevice(gpu, plan);
    try {
      const rs = await comparePolicies(gpu, cost, profile, 'diffusion-edit', 'step', Object.keys(DIFFUSION_POLICIES), (policy, rec) => diffusionWorkload(plan, policy as DiffusionPolicy, rec), side, repeats, extras);
      for (const r of rs) {
        runs.push(r);
        log(`diffusion-edit ${r.policy}: latency mean sim ${r.simulated.latency_mean_ms.toFixed(1)} ms vs measured ${r.measured.latency_mean_ms.toFixed(1)} ms (${(r.error.latency_mean_ms * 100).toFixed(1)}%)`);
      }
    } finally {
      side.destroy();
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
    ...(extras.stalls ? { stalls: { used_rate_per_s: extras.stalls.rate_per_s, profile_rate_per_s: profileStalls?.rate_per_s ?? 0, measured_now: stallsNow !== undefined } } : {}),
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
    `Mode ${r.mode}, ${r.dtype} kernels, profile of ${r.profile_created}, run ${r.created}. Each side ran every policy ${r.repeats} time(s), the device the policies in turn within each repeat; metrics pool the runs. Error = (simulated - measured) / measured.`,
    `Host: ${r.host.cpus} CPUs, 1-minute load ${r.host.load_1m_start.toFixed(1)} at the start and ${r.host.load_1m_end.toFixed(1)} at the end (a software adapter computes on these cores).`,
    ...(r.drift
      ? [
          `Device drift: reference ${r.drift.op} took ${r.drift.profile_ms.toFixed(2)} ms at calibration, ${r.drift.before_ms.toFixed(2)} ms before and ${r.drift.after_ms.toFixed(2)} ms after these runs (x${(r.drift.before_ms / r.drift.profile_ms).toFixed(2)}, x${(r.drift.after_ms / r.drift.profile_ms).toFixed(2)}).`,
        ]
      : []),
    ...(r.stalls
      ? [
          `Stalls: ${r.stalls.used_rate_per_s.toFixed(2)} per s of device time in the simulator (${r.stalls.measured_now ? 're-measured before these runs' : 'from the profile'}; the profile measured ${r.stalls.profile_rate_per_s.toFixed(2)}).`,
        ]
      : []),
    `Summary: |error| of mean latency: mean ${pct(r.summary.mean_abs_error_latency_mean).slice(1)}, max ${pct(r.summary.max_abs_error_latency_mean).slice(1)}; of p99 latency: mean ${pct(r.summary.mean_abs_error_latency_p99).slice(1)}, max ${pct(r.summary.max_abs_error_latency_p99).slice(1)}.`,
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
    out.push(
      `- ${k.workload}, ${label(k.metric, unit)}, best first: simulated ${k.simulated_order.join(', ')}; measured ${k.measured_order.join(', ')}; tau ${tau}: ${k.concordant} of ${k.pairs} pairs agree, ${k.discordant} disagree${ties}${simTies}.`,
    );
  }
  return out;
}
