/**
 * In-place LoRA merge W[rows, cols] += alpha * B[rows, r] A[r, cols]: one thread per weight, the
 * rank-r dot product in registers, W read and written once (the patch SwiftDiffusion applies
 * instead of running the adapter unmerged).
 */
import { loraMergeOp, type Op } from '../../src/cost/ops.js';
import { costDtype, prologue, type KDtype } from './dtype.js';
import { invocation, pack, pipeline, type Invocation } from './pipeline.js';

export function loraWgsl(t: KDtype): string {
  return `${prologue(t)}
struct Dims { rows: u32, cols: u32, rank: u32, alpha: f32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> Bm: array<T>;
@group(0) @binding(2) var<storage, read> Am: array<T>;
@group(0) @binding(3) var<storage, read_write> W: array<T>;
@compute @workgroup_size(64, 4)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let r = gid.y;
  if (c >= d.cols || r >= d.rows) { return; }
  var s = 0.0;
  for (var p = 0u; p < d.rank; p++) { s = fma(f32(Bm[r * d.rank + p]), f32(Am[p * d.cols + c]), s); }
  W[r * d.cols + c] = T(f32(W[r * d.cols + c]) + d.alpha * s);
}
`;
}

export interface LoraShape {
  rows: number;
  cols: number;
  rank: number;
}

export function loraOp(s: LoraShape, t: KDtype): Op {
  return loraMergeOp(s.rows, s.cols, s.rank, costDtype(t));
}

export function loraMerge(
  device: GPUDevice,
  t: KDtype,
  s: LoraShape & { alpha: number },
  bufs: { b: GPUBuffer; a: GPUBuffer; w: GPUBuffer },
): Invocation {
  const label = `lora_merge_${t} ${s.rows}x${s.cols} r${s.rank}`;
  const u = pack([
    ['u32', s.rows],
    ['u32', s.cols],
    ['u32', s.rank],
    ['f32', s.alpha],
  ]);
  return invocation(device, pipeline(device, loraWgsl(t), label), label, u, [bufs.b, bufs.a, bufs.w], [
    Math.ceil(s.cols / 64),
    Math.ceil(s.rows / 4),
  ]);
}

export function loraRef(w: ArrayLike<number>, b: ArrayLike<number>, a: ArrayLike<number>, s: LoraShape & { alpha: number }): Float64Array {
  const out = Float64Array.from(w as ArrayLike<number>);
  for (let i = 0; i < s.rows; i++)
    for (let p = 0; p < s.rank; p++) {
      const bv = s.alpha * b[i * s.rank + p]!;
      for (let j = 0; j < s.cols; j++) out[i * s.cols + j]! += bv * a[p * s.cols + j]!;
    }
  return out;
}
