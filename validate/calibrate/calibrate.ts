/**
 * `servesim calibrate`: sweep the kernels and transfers on the device, fit the cost models, and
 * assemble a profile that src/hardware/profile.ts's profileSchema accepts (the contract with
 * ProfileCost). Beyond the schema the file keeps the evidence: kernel checks, skipped sizes and
 * why, every candidate fit's holdout error, the sync round trip and the overlap measurement.
 */
import { cpus, loadavg } from 'node:os';
import { profileSchema, type OpFit, type Profile } from '../../src/hardware/profile.js';
import type { Gpu } from '../gpu/device.js';
import type { KDtype } from '../kernels/dtype.js';
import { DeviceTimer, FULL_REPEAT, QUICK_REPEAT, type TimingMethod } from '../harness/timer.js';
import { fitOp } from './fit.js';
import { fitLinks } from './links.js';
import { describeFit, type FitRow } from './report.js';
import { measureOverlap, type OverlapMeasurement } from './overlap.js';
import { measureIssueSeconds } from './issue.js';
import { measureStalls, type StallFit } from './stalls.js';
import { sweep, type KernelCheck, type ProfileSample, type Skip, type SweepPlan } from './sweep.js';
import { measureTransfers, type TransferSample } from './transfers.js';
import type { OpFamily } from './cases.js';

export interface CalibrateOptions {
  quick: boolean;
  log?: (line: string) => void;
  /** Force wall-clock timing even where timestamp queries exist. */
  timing?: TimingMethod;
  /** Only these families (default all). */
  only?: Array<OpFamily['kind']>;
}

export type CalibratedProfile = Profile & {
  mode: 'quick' | 'full';
  software_adapter: boolean;
  workload_dtype: KDtype;
  sync_s: number;
  /** Host seconds to encode and submit one command (see issue.ts). */
  host_issue_s: number;
  /** Share of an upload's time the issuing host spends inside writeBuffer (see overlap.ts). */
  upload_host_share: number;
  /** Stalls of the device beyond the median op times (see stalls.ts). */
  stalls: StallFit;
  checks: KernelCheck[];
  skipped: Skip[];
  transfers: TransferSample[];
  overlap_measurement: OverlapMeasurement;
  fit_report: FitRow[];
  host: { cpus: number; load_1m_start: number; load_1m_end: number };
};

/** The dtype the fidelity workloads run in: f16 where the adapter supports it. */
export function workloadDtype(gpu: Gpu): KDtype {
  return gpu.hasF16 ? 'f16' : 'f32';
}

const ALL: Array<OpFamily['kind']> = ['gemm', 'gemv', 'expert_ffn', 'attention', 'masked_block', 'lora_merge'];

export function plans(gpu: Gpu, quick: boolean, only = ALL): SweepPlan[] {
  const wdt = workloadDtype(gpu);
  const out: SweepPlan[] = [];
  for (const kind of only) {
    // Quick: GEMM and GEMV in both precisions, the rest in the precision the workloads use.
    const both = !quick || kind === 'gemm' || kind === 'gemv';
    for (const dtype of both ? (['f32', 'f16'] as const) : [wdt]) out.push({ kind, dtype });
  }
  return out;
}

export async function calibrate(gpu: Gpu, o: CalibrateOptions): Promise<CalibratedProfile> {
  const log = o.log ?? (() => {});
  const mode = o.quick ? 'quick' : 'full';
  const timer = new DeviceTimer(gpu, o.timing);
  const loadStart = loadavg()[0]!;
  log(`calibrating ${gpu.info.description} (${mode}, ${timer.method})`);
  const swept = await sweep(gpu, timer, plans(gpu, o.quick, o.only), {
    mode,
    repeat: o.quick ? QUICK_REPEAT : FULL_REPEAT,
    maxOpSeconds: o.quick ? 0.35 : 1.5,
    maxRefFlops: o.quick ? 3e7 : 3e8,
    log,
  });
  const tr = await measureTransfers(gpu, { mode, reps: o.quick ? 3 : 5, maxSeconds: o.quick ? 0.4 : 3, log });

  const ops: Record<string, OpFit> = {};
  const fitReport: FitRow[] = [];
  const byOp = new Map<string, ProfileSample[]>();
  for (const s of swept.samples) byOp.set(s.op, [...(byOp.get(s.op) ?? []), s]);
  for (const [key, ss] of byOp) {
    if (ss.length < 3) {
      swept.skipped.push({ what: `fit ${key}`, reason: `only ${ss.length} sizes measured` });
      continue;
    }
    const r = fitOp(ss.map((s) => ({ flops: s.flops, bytes: s.bytes, seconds: s.median_s })));
    ops[key] = r.fit;
    fitReport.push({
      key,
      model: r.fit.model === 'piecewise' ? `piecewise(${r.fit.x})` : 'roofline',
      samples: ss.length,
      r2: r.fit.r2!,
      r2_linear: r.r2_linear,
      holdout_error: r.fit.holdout_error!,
      candidates: r.candidates,
      summary: describeFit(r.fit),
    });
  }
  // Unsuffixed keys price any precision the sweep did not cover with the workload precision's fit.
  const wdt = workloadDtype(gpu);
  for (const kind of ALL) {
    const fit = ops[`${kind}_${wdt}`] ?? ops[`${kind}_f32`];
    if (fit) ops[kind] = fit;
  }

  const { links, rows: linkRows } = fitLinks(tr.samples);
  fitReport.push(...linkRows);
  if (!links['h2d'] || !links['d2h']) throw new Error('transfer sweep measured too few sizes to fit the h2d and d2h links');

  const issue = await measureIssueSeconds(gpu);
  log(`host issue cost: ${(issue * 1e6).toFixed(1)} us per command`);
  const stalls = await measureStalls(gpu, wdt, o.quick ? 2 : 6);
  log(`stalls: ${stalls.rate_per_s.toFixed(2)} per s of device time, median ${((stalls.durations_s[stalls.durations_s.length >> 1] ?? 0) * 1e3).toFixed(1)} ms (probe ${(stalls.probe_median_s * 1e3).toFixed(2)} ms x ${stalls.probes})`);
  const ov = await measureOverlap(gpu, {
    targetSeconds: o.quick ? 0.03 : 0.1,
    reps: o.quick ? 5 : 11,
    log,
  });

  const profile: CalibratedProfile = {
    servesim_profile: 1,
    created: new Date().toISOString(),
    adapter: gpu.info,
    features: gpu.features,
    timing: timer.method,
    samples: swept.samples,
    ops,
    links,
    overlap: ov.overlap,
    mode,
    software_adapter: gpu.software,
    workload_dtype: wdt,
    sync_s: tr.sync_s,
    host_issue_s: issue,
    upload_host_share: ov.host_share,
    stalls,
    checks: swept.checks,
    skipped: [...swept.skipped, ...tr.skipped],
    transfers: tr.samples,
    overlap_measurement: ov,
    fit_report: fitReport,
    host: { cpus: cpus().length, load_1m_start: loadStart, load_1m_end: loadavg()[0]! },
  };
  const ok = profileSchema.safeParse(profile);
  if (!ok.success) throw new Error(`calibration produced an invalid profile: ${ok.error.issues[0]!.path.join('.')}: ${ok.error.issues[0]!.message}`);
  return profile;
}

/** The fit table as markdown (for logs and reports). */
export function fitTable(p: Pick<CalibratedProfile, 'fit_report' | 'overlap'> & { upload_host_share?: number }): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
  const lines = ['| fit | model | sizes | R^2 (log) | holdout error | parameters |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of p.fit_report) lines.push(`| ${r.key} | ${r.model} | ${r.samples} | ${r.r2.toFixed(4)} | ${pct(r.holdout_error)} | ${r.summary} |`);
  lines.push(`| overlap | copy behind queued compute | - | - | - | ${p.overlap.toFixed(3)} |`);
  if (p.upload_host_share !== undefined) lines.push(`| upload host share | host time in writeBuffer / copy | - | - | - | ${p.upload_host_share.toFixed(3)} |`);
  return lines.join('\n');
}
