/**
 * The device's op speeds now, at the shapes a workload issues, against the profile's.
 *
 * A software adapter computes on the host's cores, so its speed is whatever else the host runs:
 * the committed lavapipe profile timed the MoE workload's expert FFN at 1.37 ms (1-minute load
 * 4.5-6.6), while the quiet host of the fidelity run computed it in about 0.9 ms. Priced at the
 * profile, the simulator's decode token took 13.2 ms at the median against the device's 8.25 ms
 * (+60%), which queueing at the planned load turned into +180% on request latency; tokens/s and
 * makespan agreed (-7%, +7.5%) because under open-loop arrivals below saturation they follow the
 * arrival times, not the service time. The reference GEMM of the drift line (an op no workload
 * runs) read x1.00 throughout. So `validate` re-times the workloads' own ops before the runs and,
 * on a software adapter (as it does for stalls), prices each op kind at the speed measured now:
 * a count-weighted factor per fit key, which keeps the fit's dependence on shape and only moves
 * its level. After the runs it re-times them again, so the table shows how far the device moved
 * while it ran.
 */
import type { CostModel } from '../../src/cost/model.js';
import type { Op, OpKind } from '../../src/cost/ops.js';
import type { Gpu } from '../gpu/device.js';
import type { KDtype } from '../kernels/dtype.js';
import { FAMILIES, type OpFamily, type Shape } from '../calibrate/cases.js';
import type { DeviceTimer, RepeatOptions } from '../harness/timer.js';

/** One op shape a workload issues `count` times; `op` is what the simulator prices. */
export interface OpShape {
  family: OpFamily['kind'];
  shape: Shape;
  op: Op;
  count: number;
}

/** The profile key an op is fitted under (ProfileCost's precise key). */
export function fitKey(op: { kind: OpKind; dtype?: string }): string {
  return `${op.kind}_${op.dtype === 'fp32' ? 'f32' : 'f16'}`;
}

/** One op shape timed now, next to the profile's price for it. */
export interface TimedShape {
  key: string;
  shape: Shape;
  count: number;
  profile_s: number;
  now_s: number;
}

/** Per fit key: the count-weighted mean op time in the profile and now, and their ratio. */
export interface SpeedEntry {
  key: string;
  shapes: number;
  ops: number;
  profile_ms: number;
  now_ms: number;
  /** now / profile: below 1 the device is faster than the profile says. */
  factor: number;
}

export function speedEntries(timed: readonly TimedShape[]): SpeedEntry[] {
  const by = new Map<string, { shapes: number; ops: number; profile: number; now: number }>();
  for (const t of timed) {
    const e = by.get(t.key) ?? { shapes: 0, ops: 0, profile: 0, now: 0 };
    e.shapes++;
    e.ops += t.count;
    e.profile += t.count * t.profile_s;
    e.now += t.count * t.now_s;
    by.set(t.key, e);
  }
  return [...by].map(([key, e]) => ({ key, shapes: e.shapes, ops: e.ops, profile_ms: (e.profile / e.ops) * 1e3, now_ms: (e.now / e.ops) * 1e3, factor: e.now / e.profile }));
}

/** A cost model whose ops of each fit key cost `factors[key]` times the inner model's price. */
export class ScaledCost implements CostModel {
  readonly overlap: number;
  constructor(
    private readonly inner: CostModel,
    private readonly factors: Readonly<Record<string, number>>,
  ) {
    this.overlap = inner.overlap;
    for (const [k, f] of Object.entries(factors)) if (!(f > 0 && Number.isFinite(f))) throw new Error(`speed factor for ${k} is ${f}: must be a positive number`);
  }
  opSeconds(op: Op): number {
    return this.inner.opSeconds(op) * (this.factors[fitKey(op)] ?? 1);
  }
  source(kind: OpKind): string {
    return `${this.inner.source(kind)}, re-levelled to the device's speed now`;
  }
  link(name: 'h2d' | 'd2h') {
    return this.inner.link(name);
  }
}

/** Per fit key, the mean of several timings' op times (each a SpeedEntry list of the same shapes). */
export function meanSpeed(timings: readonly SpeedEntry[][]): SpeedEntry[] {
  if (timings.length === 0) return [];
  return timings[0]!.map((first) => {
    const same = timings.map((t) => t.find((e) => e.key === first.key));
    if (same.some((e) => !e || e.ops !== first.ops)) throw new Error(`speed timings disagree on the ops of ${first.key}`);
    const now = same.reduce((a, e) => a + e!.now_ms, 0) / same.length;
    return { ...first, now_ms: now, factor: now / first.profile_ms };
  });
}

export function factorsOf(entries: readonly SpeedEntry[]): Record<string, number> {
  return Object.fromEntries(entries.map((e) => [e.key, e.factor]));
}

/**
 * At most `n` of `shapes` per fit key, standing for all of them: sorted by FLOPs and cut into `n`
 * runs of neighbours, each run represented by its middle shape, which carries the run's total
 * price (its `count` is the run's priced seconds over its own), so the count-weighted mean is
 * still over every op the workload issues. Re-timing 25 masked-block sizes between every device
 * run would cost more than the runs.
 */
export function representative(shapes: readonly OpShape[], cost: CostModel, n: number): OpShape[] {
  const byKey = new Map<string, OpShape[]>();
  for (const s of shapes) byKey.set(fitKey(s.op), [...(byKey.get(fitKey(s.op)) ?? []), s]);
  const out: OpShape[] = [];
  for (const group of byKey.values()) {
    if (group.length <= n) {
      out.push(...group);
      continue;
    }
    const sorted = [...group].sort((a, b) => a.op.flops - b.op.flops);
    for (let i = 0; i < n; i++) {
      const run = sorted.slice(Math.floor((i * sorted.length) / n), Math.floor(((i + 1) * sorted.length) / n));
      const mid = run[Math.floor((run.length - 1) / 2)]!;
      const priced = run.reduce((a, s) => a + s.count * cost.opSeconds(s.op), 0);
      out.push({ ...mid, count: priced / cost.opSeconds(mid.op) });
    }
  }
  return out;
}

/** Time each shape on the device as calibration does (same timer method, same repetitions). */
export async function timeShapes(gpu: Gpu, dtype: KDtype, cost: CostModel, shapes: readonly OpShape[], timer: DeviceTimer, repeat: RepeatOptions): Promise<TimedShape[]> {
  const out: TimedShape[] = [];
  for (const s of shapes) {
    const p = FAMILIES[s.family].prepare(gpu, dtype, s.shape);
    try {
      if (fitKey(p.op) !== fitKey(s.op) || p.op.flops !== s.op.flops || p.op.bytes !== s.op.bytes)
        throw new Error(`speed probe: ${s.family} ${JSON.stringify(s.shape)} prepares ${fitKey(p.op)} (${p.op.flops} flops), the workload issues ${fitKey(s.op)} (${s.op.flops})`);
      const m = await timer.measure(p.invs, repeat);
      out.push({ key: fitKey(s.op), shape: s.shape, count: s.count, profile_s: cost.opSeconds(s.op), now_s: m.median_s });
    } finally {
      p.destroy();
    }
  }
  return out;
}
