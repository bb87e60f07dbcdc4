/**
 * The one cost interface: seconds an op takes on a device. Two implementations:
 *  - RooflineCost: overhead + max(flops / (peak * eff_c), bytes / (bandwidth * eff_m));
 *  - ProfileCost: the validator's measurements: an op of a shape the profile timed costs that
 *    median; other shapes follow the fitted curve of their op kind; ops the profile did not measure
 *    fall back to a roofline (and say so via `source`).
 */
import type { GpuSpec, HostSpec } from '../hardware/types.js';
import type { LinkFit, OpFit, Profile } from '../hardware/profile.js';
import type { Op, OpKind } from './ops.js';

export interface CostModel {
  /** Seconds `op` takes on this device. */
  opSeconds(op: Op): number;
  /** Where the price of `kind` comes from (for reports). */
  source(kind: OpKind): string;
  /** Fraction of a copy that overlaps compute on this device (1 on real GPUs with a copy engine). */
  readonly overlap: number;
  /** Fitted link figures if the device was calibrated (h2d, d2h). */
  link(name: 'h2d' | 'd2h'): LinkFit | undefined;
}

export interface RooflineOptions {
  /** Fraction of peak FLOP/s reached by real kernels. */
  computeEfficiency?: number;
  /** Fraction of peak memory bandwidth reached. */
  memoryEfficiency?: number;
  /** Fixed per-op overhead, seconds. */
  overhead?: number;
}

/**
 * Default efficiencies: large fp16 GEMMs reach ~60-75% of dense tensor peak and streaming kernels
 * ~80-90% of HBM bandwidth on A100/H100 (NVIDIA's published cuBLAS and bandwidthTest figures);
 * 0.6 and 0.8 are deliberately conservative. A calibrated profile replaces both.
 */
export const DEFAULT_COMPUTE_EFFICIENCY = 0.6;
export const DEFAULT_MEMORY_EFFICIENCY = 0.8;

export class RooflineCost implements CostModel {
  readonly overlap = 1;
  private readonly flops16: number;
  private readonly flops32: number;
  private readonly bw: number;
  private readonly overhead: number;

  constructor(
    private readonly device: GpuSpec | HostSpec,
    opts: RooflineOptions = {},
  ) {
    const ce = opts.computeEfficiency ?? DEFAULT_COMPUTE_EFFICIENCY;
    const me = opts.memoryEfficiency ?? DEFAULT_MEMORY_EFFICIENCY;
    const fp16 = 'fp16Flops' in device ? device.fp16Flops : device.fp32Flops;
    this.flops16 = fp16 * ce;
    this.flops32 = device.fp32Flops * ce;
    this.bw = device.memBandwidth * me;
    this.overhead = opts.overhead ?? ('kernelLaunch' in device ? device.kernelLaunch : 0);
  }

  opSeconds(op: Op): number {
    const peak = op.dtype === 'fp32' ? this.flops32 : this.flops16;
    return this.overhead + Math.max(op.flops / peak, op.bytes / this.bw);
  }

  source(): string {
    return `roofline on ${this.device.name} preset`;
  }

  link(): undefined {
    return undefined;
  }
}

const sampleKey = (op: string, flops: number, bytes: number): string => `${op}|${flops}|${bytes}`;

export function fitSeconds(fit: OpFit, op: Op): number {
  if (fit.model === 'roofline') {
    return fit.overhead_s + Math.max(op.flops / fit.flops_per_s, op.bytes / fit.bytes_per_s);
  }
  const x = fit.x === 'flops' ? op.flops : op.bytes;
  const pts = fit.points;
  let i = 1;
  while (i < pts.length - 1 && pts[i]![0] < x) i++;
  const [x0, y0] = pts[i - 1]!;
  const [x1, y1] = pts[i]!;
  const y = x1 === x0 ? y1 : y0 + ((x - x0) * (y1 - y0)) / (x1 - x0);
  return Math.max(0, y);
}

export class ProfileCost implements CostModel {
  readonly overlap: number;
  constructor(
    private readonly profile: Profile,
    private readonly fallback: CostModel,
    private readonly profileName = 'profile',
  ) {
    this.overlap = profile.overlap;
    for (const s of profile.samples) this.measured.set(sampleKey(s.op, s.flops, s.bytes), s.median_s);
  }

  /**
   * Medians of the timed shapes, by op key, flops and bytes. A fit chosen for its error on held-out
   * sizes can miss a measured small shape by 20-30% (a roofline's overhead term), and the shapes
   * workloads run most are the ones calibration times: where the profile has the answer, use it.
   */
  private readonly measured = new Map<string, number>();

  private fitFor(op: { kind: OpKind; dtype?: string }): OpFit | undefined {
    const ops = this.profile.ops;
    const precise = op.dtype === 'fp32' ? `${op.kind}_f32` : `${op.kind}_f16`;
    return ops[precise] ?? ops[op.kind];
  }

  opSeconds(op: Op): number {
    const fit = this.fitFor(op);
    if (!fit) return this.fallback.opSeconds(op);
    const seen = this.measured.get(sampleKey(`${op.kind}_${op.dtype === 'fp32' ? 'f32' : 'f16'}`, op.flops, op.bytes));
    return seen ?? fitSeconds(fit, op);
  }

  source(kind: OpKind): string {
    return this.fitFor({ kind }) ? `fitted in ${this.profileName} on ${this.profile.adapter.description}` : this.fallback.source(kind);
  }

  link(name: 'h2d' | 'd2h'): LinkFit | undefined {
    return this.profile.links[name];
  }
}
