/**
 * The compute sweep: for each op family and dtype, shapes in increasing size; each shape is
 * checked against the CPU reference (when the reference is affordable, and always for the first
 * shape of a family) before it is timed. Shapes whose estimated time exceeds the budget are
 * skipped and recorded, so one sweep list serves a software adapter and a data-centre GPU.
 */
import type { Gpu } from '../gpu/device.js';
import { tolerance, type KDtype } from '../kernels/dtype.js';
import type { DeviceTimer, RepeatOptions } from '../harness/timer.js';
import { FAMILIES, type OpFamily, type Shape } from './cases.js';

export interface ProfileSample {
  op: string;
  shape: Record<string, number | string>;
  flops: number;
  bytes: number;
  seconds: number[];
  median_s: number;
  spread: number;
}

export interface KernelCheck {
  op: string;
  shape: Shape;
  rel_error: number;
  bound: number;
}

export interface Skip {
  what: string;
  reason: string;
}

export class KernelCheckError extends Error {
  constructor(readonly check: KernelCheck) {
    super(
      `kernel ${check.op} ${JSON.stringify(check.shape)} disagrees with the CPU reference: relative error ${check.rel_error.toExponential(2)} > ${check.bound}`,
    );
    this.name = 'KernelCheckError';
  }
}

export interface SweepPlan {
  kind: OpFamily['kind'];
  dtype: KDtype;
}

export interface SweepOptions {
  mode: 'quick' | 'full';
  repeat: RepeatOptions;
  /** Skip shapes estimated to take longer than this per op. */
  maxOpSeconds: number;
  /** Check shapes whose CPU reference needs at most this many FLOPs (first shape always). */
  maxRefFlops: number;
  log: (line: string) => void;
}

export interface SweepResult {
  samples: ProfileSample[];
  checks: KernelCheck[];
  skipped: Skip[];
}

/** Estimate from the largest measured shape below: time scales with the larger of the work ratios. */
function estimate(done: ProfileSample[], flops: number, bytes: number): number {
  let best: ProfileSample | undefined;
  for (const s of done) if (s.flops <= flops && (!best || s.flops > best.flops)) best = s;
  if (!best) return 0;
  return best.median_s * Math.max(flops / Math.max(best.flops, 1), bytes / Math.max(best.bytes, 1), 1);
}

export async function sweep(gpu: Gpu, timer: DeviceTimer, plans: SweepPlan[], o: SweepOptions): Promise<SweepResult> {
  const out: SweepResult = { samples: [], checks: [], skipped: [] };
  for (const { kind, dtype } of plans) {
    const key = `${kind}_${dtype}`;
    if (dtype === 'f16' && !gpu.hasF16) {
      out.skipped.push({ what: key, reason: 'adapter has no shader-f16' });
      continue;
    }
    const fam = FAMILIES[kind];
    const done: ProfileSample[] = [];
    const shapes = fam.shapes(o.mode);
    for (let i = 0; i < shapes.length; i++) {
      const shape = shapes[i]!;
      const what = `${key} ${JSON.stringify(shape)}`;
      // Shapes the adapter refuses (a binding above maxStorageBufferBindingSize, say) are skipped
      // with the adapter's reason, not run: a full sweep includes model-sized matrices.
      gpu.device.pushErrorScope('out-of-memory');
      gpu.device.pushErrorScope('validation');
      const prepared = fam.prepare(gpu, dtype, shape);
      const invalid = await gpu.device.popErrorScope();
      const oom = await gpu.device.popErrorScope();
      const refused = invalid ?? oom;
      if (refused) {
        prepared.destroy();
        out.skipped.push({ what, reason: `the adapter refuses it: ${refused.message.split('\n')[0]}` });
        continue;
      }
      try {
        const est = estimate(done, prepared.op.flops, prepared.op.bytes);
        if (est > o.maxOpSeconds) {
          out.skipped.push({ what, reason: `estimated ${est.toFixed(2)} s per op > budget ${o.maxOpSeconds} s on this adapter` });
          continue;
        }
        if (i === 0 || prepared.refFlops <= o.maxRefFlops) {
          const err = await prepared.verify();
          const check: KernelCheck = { op: key, shape, rel_error: err, bound: tolerance(dtype) };
          out.checks.push(check);
          if (!(err <= check.bound)) throw new KernelCheckError(check);
        }
        const t = await timer.measure(prepared.invs, o.repeat);
        const sample: ProfileSample = {
          op: key,
          shape,
          flops: prepared.op.flops,
          bytes: prepared.op.bytes,
          seconds: t.seconds,
          median_s: t.median_s,
          spread: t.spread,
        };
        done.push(sample);
        out.samples.push(sample);
        o.log(`${what}: ${(t.median_s * 1e3).toFixed(3)} ms (spread ${(t.spread * 100).toFixed(0)}%, x${t.inner})`);
      } finally {
        prepared.destroy();
      }
    }
  }
  return out;
}
