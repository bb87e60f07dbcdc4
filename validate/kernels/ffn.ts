/**
 * SwiGLU expert FFN at decode batch sizes (tokens <= 16): y = (silu(x Wg) * (x Wu)) Wd.
 * An expert's weights live in one buffer [Wg (hidden x ffn) | Wu (hidden x ffn) | Wd (ffn x hidden)],
 * so a cache miss is exactly one upload. Two dispatches: the fused gate/up projection with the
 * activation, then the down projection; both keep one accumulator per token per thread.
 */
import { expertFfnOp, type Op } from '../../src/cost/ops.js';
import { costDtype, elemBytes, prologue, type KDtype } from './dtype.js';
import { invocation, pack, pipeline, type Invocation } from './pipeline.js';
import { gemmRef, silu } from './reference.js';

export const FFN_MAX_TOKENS = 16;

const HEAD = `struct Dims { T: u32, H: u32, F: u32, off: u32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> W: array<T>;
`;

export function ffnUpWgsl(t: KDtype): string {
  return `${prologue(t)}${HEAD}
@group(0) @binding(2) var<storage, read> X: array<T>;
@group(0) @binding(3) var<storage, read_write> Hm: array<T>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let f = gid.x;
  if (f >= d.F) { return; }
  var g: array<f32, ${FFN_MAX_TOKENS}>;
  var u: array<f32, ${FFN_MAX_TOKENS}>;
  let up = d.H * d.F;
  for (var k = 0u; k < d.H; k++) {
    let wg = f32(W[k * d.F + f]);
    let wu = f32(W[up + k * d.F + f]);
    for (var m = 0u; m < d.T; m++) {
      let x = f32(X[m * d.H + k]);
      g[m] = fma(x, wg, g[m]);
      u[m] = fma(x, wu, u[m]);
    }
  }
  for (var m = 0u; m < d.T; m++) {
    let s = g[m] / (1.0 + exp(-g[m]));
    Hm[m * d.F + f] = T(s * u[m]);
  }
}
`;
}

export function ffnDownWgsl(t: KDtype): string {
  return `${prologue(t)}${HEAD}
@group(0) @binding(2) var<storage, read> Hm: array<T>;
@group(0) @binding(3) var<storage, read_write> Y: array<T>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= d.H) { return; }
  var acc: array<f32, ${FFN_MAX_TOKENS}>;
  let down = 2u * d.H * d.F;
  for (var k = 0u; k < d.F; k++) {
    let w = f32(W[down + k * d.H + n]);
    for (var m = 0u; m < d.T; m++) { acc[m] = fma(f32(Hm[m * d.F + k]), w, acc[m]); }
  }
  for (var m = 0u; m < d.T; m++) { Y[m * d.H + n] = T(acc[m]); }
}
`;
}

export interface FfnShape {
  tokens: number;
  hidden: number;
  ffn: number;
}

/** Bytes of one expert's weights in `t`. */
export function expertBytes(s: Pick<FfnShape, 'hidden' | 'ffn'>, t: KDtype): number {
  return 3 * s.hidden * s.ffn * elemBytes(t);
}

export function ffnOp(s: FfnShape, t: KDtype): Op {
  return expertFfnOp(s.tokens, s.hidden, s.ffn, costDtype(t));
}

/** The two dispatches of one expert on `tokens` tokens: x [tokens, hidden] -> y [tokens, hidden]. */
export function expertFfn(
  device: GPUDevice,
  t: KDtype,
  s: FfnShape,
  bufs: { weights: GPUBuffer; x: GPUBuffer; h: GPUBuffer; y: GPUBuffer },
): Invocation[] {
  if (s.tokens < 1 || s.tokens > FFN_MAX_TOKENS) throw new RangeError(`expert FFN supports 1..${FFN_MAX_TOKENS} tokens, got ${s.tokens}`);
  const u = pack([
    ['u32', s.tokens],
    ['u32', s.hidden],
    ['u32', s.ffn],
    ['u32', 0],
  ]);
  const label = `expert_ffn_${t} ${s.tokens}x${s.hidden}x${s.ffn}`;
  return [
    invocation(device, pipeline(device, ffnUpWgsl(t), `${label} up`), `${label} up`, u, [bufs.weights, bufs.x, bufs.h], [Math.ceil(s.ffn / 64)]),
    invocation(device, pipeline(device, ffnDownWgsl(t), `${label} down`), `${label} down`, u, [bufs.weights, bufs.h, bufs.y], [Math.ceil(s.hidden / 64)]),
  ];
}

/** CPU reference; `roundH` rounds the intermediate like the GPU's storage type does. */
export function ffnRef(w: ArrayLike<number>, x: ArrayLike<number>, s: FfnShape, roundH: (xs: Float64Array) => ArrayLike<number> = (h) => h): Float64Array {
  const { tokens: m, hidden: H, ffn: F } = s;
  const wg = Array.prototype.slice.call(w, 0, H * F) as number[];
  const wu = Array.prototype.slice.call(w, H * F, 2 * H * F) as number[];
  const wd = Array.prototype.slice.call(w, 2 * H * F, 3 * H * F) as number[];
  const g = gemmRef(x, wg, m, F, H);
  const u = gemmRef(x, wu, m, F, H);
  const h = new Float64Array(m * F);
  for (let i = 0; i < h.length; i++) h[i] = silu(g[i]!) * u[i]!;
  return gemmRef(roundH(h), wd, m, H, F);
}
