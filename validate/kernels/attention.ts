/**
 * Scaled dot-product attention, one thread per (sequence, head, query) with an online softmax
 * over the keys (one pass over K and V, no score matrix in memory). Token-major layout with row
 * strides, so the masked block can read Q straight out of its fused QKV projection.
 */
import { attentionOp, type Op } from '../../src/cost/ops.js';
import { costDtype, prologue, type KDtype } from './dtype.js';
import { invocation, pack, pipeline, type Invocation } from './pipeline.js';

export const MAX_HEAD_DIM = 128;

/**
 * The head dimension is a runtime value (up to MAX_HEAD_DIM) rather than a constant: one pipeline
 * per dtype, because a software adapter's shader compiler unrolls constant-bound loops over the
 * private arrays and spends seconds per head-dim variant.
 */
export function attentionWgsl(t: KDtype): string {
  return `${prologue(t)}
struct Dims { B: u32, Hh: u32, Q: u32, KV: u32, qStride: u32, kvStride: u32, scale: f32, D: u32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> Qb: array<T>;
@group(0) @binding(2) var<storage, read> Kb: array<T>;
@group(0) @binding(3) var<storage, read> Vb: array<T>;
@group(0) @binding(4) var<storage, read_write> O: array<T>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let idx = gid.x;
  if (idx >= d.B * d.Q * d.Hh) { return; }
  let h = idx % d.Hh;
  let i = (idx / d.Hh) % d.Q;
  let b = idx / (d.Hh * d.Q);
  let D = d.D;
  let qo = (b * d.Q + i) * d.qStride + h * D;
  var q: array<f32, ${MAX_HEAD_DIM}>;
  for (var e = 0u; e < D; e++) { q[e] = f32(Qb[qo + e]) * d.scale; }
  var acc: array<f32, ${MAX_HEAD_DIM}>;
  var mx = -3.0e38;
  var sum = 0.0;
  for (var j = 0u; j < d.KV; j++) {
    let ko = (b * d.KV + j) * d.kvStride + h * D;
    var s = 0.0;
    for (var e = 0u; e < D; e++) { s = fma(q[e], f32(Kb[ko + e]), s); }
    let nm = max(mx, s);
    let corr = exp(mx - nm);
    let p = exp(s - nm);
    sum = sum * corr + p;
    for (var e = 0u; e < D; e++) { acc[e] = fma(p, f32(Vb[ko + e]), acc[e] * corr); }
    mx = nm;
  }
  let oo = ((b * d.Q + i) * d.Hh + h) * D;
  for (var e = 0u; e < D; e++) { O[oo + e] = T(acc[e] / sum); }
}
`;
}

export interface AttentionShape {
  batch: number;
  heads: number;
  q: number;
  kv: number;
  headDim: number;
  /** Elements between consecutive query rows (default heads * headDim). */
  qStride?: number;
  kvStride?: number;
}

export function attnOp(s: AttentionShape, t: KDtype): Op {
  return attentionOp(s.batch, s.heads, s.q, s.kv, s.headDim, costDtype(t));
}

export function attention(
  device: GPUDevice,
  t: KDtype,
  s: AttentionShape,
  bufs: { q: GPUBuffer | { buffer: GPUBuffer; offset: number; size: number }; k: GPUBuffer; v: GPUBuffer; o: GPUBuffer },
): Invocation {
  if (s.headDim > MAX_HEAD_DIM) throw new RangeError(`head dim ${s.headDim} above ${MAX_HEAD_DIM}`);
  const label = `attention_${t} b${s.batch} h${s.heads} q${s.q} kv${s.kv} d${s.headDim}`;
  const u = pack([
    ['u32', s.batch],
    ['u32', s.heads],
    ['u32', s.q],
    ['u32', s.kv],
    ['u32', s.qStride ?? s.heads * s.headDim],
    ['u32', s.kvStride ?? s.heads * s.headDim],
    ['f32', 1 / Math.sqrt(s.headDim)],
    ['u32', s.headDim],
  ]);
  const threads = s.batch * s.q * s.heads;
  return invocation(device, pipeline(device, attentionWgsl(t), label), label, u, [bufs.q, bufs.k, bufs.v, bufs.o], [
    Math.ceil(threads / 64),
  ]);
}
