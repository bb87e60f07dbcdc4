/**
 * A masked-token transformer block (FlashPS-style image editing): only the M masked tokens of an
 * N-token image are recomputed; the template's cached activations (X and K/V of every token) stand
 * in for the rest. Eight dispatches:
 *   gather Xm = X[idx] (and the residual R = Xm) -> QKVm = Xm Wqkv -> scatter K/V of the masked
 *   tokens into the cached K, V -> attention of the masked queries over all N keys -> R += O Wo ->
 *   Hm = gelu(R W1) -> R += Hm W2 -> scatter Xout[idx] = R.
 * Work (2 FLOPs per multiply-add): 24 M d^2 for the projections and FFN (d -> 4d -> d),
 * 4 M N d for attention; bytes: weights 12 d^2, K/V 2 N d, activations ~29 M d elements.
 */
import { networkOp, type Op } from '../../src/cost/ops.js';
import { costDtype, elemBytes, prologue, type KDtype } from './dtype.js';
import { attention } from './attention.js';
import { gemm } from './gemm.js';
import { invocation, pack, pipeline, type Invocation } from './pipeline.js';
import { attentionRef, gemmRef } from './reference.js';
import { storageBuffer } from '../gpu/buffers.js';

export interface MaskedShape {
  tokens: number;
  masked: number;
  hidden: number;
  heads: number;
}

export function maskedBlockOp(s: MaskedShape, t: KDtype): Op {
  const { tokens: N, masked: M, hidden: d } = s;
  const flops = 24 * M * d * d + 4 * M * N * d;
  const bytes = (12 * d * d + 2 * N * d + 29 * M * d) * elemBytes(t);
  return networkOp('masked_block', flops, bytes, costDtype(t));
}

/** Bytes of a template's cached activations for one block (X, K and V of every token). */
export function templateCacheBytes(s: Pick<MaskedShape, 'tokens' | 'hidden'>, t: KDtype): number {
  return 3 * s.tokens * s.hidden * elemBytes(t);
}

const ROWS = `struct Dims { M: u32, d: u32, srcStride: u32, srcOff: u32 }
@group(0) @binding(0) var<uniform> u: Dims;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
`;

/** gather: Xm[m] = R[m] = X[idx[m]]. */
function gatherWgsl(t: KDtype): string {
  return `${prologue(t)}${ROWS}
@group(0) @binding(2) var<storage, read> X: array<T>;
@group(0) @binding(3) var<storage, read_write> Xm: array<T>;
@group(0) @binding(4) var<storage, read_write> R: array<T>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= u.M * u.d) { return; }
  let m = g.x / u.d; let e = g.x % u.d;
  let v = X[idx[m] * u.d + e];
  Xm[g.x] = v; R[g.x] = v;
}
`;
}

/** scatter rows: Dst[idx[m]] = Src[m * srcStride + srcOff]. */
function scatterWgsl(t: KDtype): string {
  return `${prologue(t)}${ROWS}
@group(0) @binding(2) var<storage, read> Src: array<T>;
@group(0) @binding(3) var<storage, read_write> Dst: array<T>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= u.M * u.d) { return; }
  let m = g.x / u.d; let e = g.x % u.d;
  Dst[idx[m] * u.d + e] = Src[m * u.srcStride + u.srcOff + e];
}
`;
}

export interface MaskedWeights {
  wqkv: GPUBuffer;
  wo: GPUBuffer;
  w1: GPUBuffer;
  w2: GPUBuffer;
}

/** Per-block work buffers sized for up to `maxMasked` masked tokens. */
export interface MaskedScratch {
  xm: GPUBuffer;
  r: GPUBuffer;
  qkv: GPUBuffer;
  o: GPUBuffer;
  h: GPUBuffer;
}

export function maskedScratch(device: GPUDevice, t: KDtype, hidden: number, maxMasked: number): MaskedScratch {
  const e = elemBytes(t);
  const row = hidden * e * maxMasked;
  return {
    xm: storageBuffer(device, row, 'xm'),
    r: storageBuffer(device, row, 'r'),
    qkv: storageBuffer(device, 3 * row, 'qkv'),
    o: storageBuffer(device, row, 'o'),
    h: storageBuffer(device, 4 * row, 'h'),
  };
}

/** The eight dispatches of one masked block over a template's cached X, K, V. */
export function maskedBlock(
  device: GPUDevice,
  t: KDtype,
  s: MaskedShape,
  w: MaskedWeights,
  scratch: MaskedScratch,
  state: { idx: GPUBuffer; x: GPUBuffer; k: GPUBuffer; v: GPUBuffer; out: GPUBuffer },
): Invocation[] {
  const { masked: M, hidden: d, tokens: N, heads } = s;
  if (d % heads !== 0) throw new RangeError(`hidden ${d} not divisible by ${heads} heads`);
  if (M < 1 || M > N) throw new RangeError(`masked tokens ${M} outside 1..${N}`);
  const groups: [number] = [Math.ceil((M * d) / 64)];
  const label = `masked_block_${t} N${N} M${M} d${d}`;
  const rows = (stride: number, off: number) =>
    pack([
      ['u32', M],
      ['u32', d],
      ['u32', stride],
      ['u32', off],
    ]);
  const gather = invocation(device, pipeline(device, gatherWgsl(t), 'gather'), `${label} gather`, rows(d, 0), [state.idx, state.x, scratch.xm, scratch.r], groups);
  const scat = pipeline(device, scatterWgsl(t), 'scatter');
  return [
    gather,
    gemm(device, t, { a: scratch.xm, b: w.wqkv, c: scratch.qkv, m: M, n: 3 * d, k: d }),
    invocation(device, scat, `${label} scatter k`, rows(3 * d, d), [state.idx, scratch.qkv, state.k], groups),
    invocation(device, scat, `${label} scatter v`, rows(3 * d, 2 * d), [state.idx, scratch.qkv, state.v], groups),
    attention(
      device,
      t,
      { batch: 1, heads, q: M, kv: N, headDim: d / heads, qStride: 3 * d, kvStride: d },
      { q: scratch.qkv, k: state.k, v: state.v, o: scratch.o },
    ),
    gemm(device, t, { a: scratch.o, b: w.wo, c: scratch.r, m: M, n: d, k: d, beta: 1 }),
    gemm(device, t, { a: scratch.r, b: w.w1, c: scratch.h, m: M, n: 4 * d, k: d, act: 1 }),
    gemm(device, t, { a: scratch.h, b: w.w2, c: scratch.r, m: M, n: d, k: 4 * d, beta: 1 }),
    invocation(device, scat, `${label} scatter out`, rows(d, 0), [state.idx, scratch.r, state.out], groups),
  ];
}

/**
 * CPU reference of the block; returns Xout's rows at idx (the rest of Xout is untouched).
 * `round` mimics the storage type at each stored intermediate.
 */
export function maskedBlockRef(
  s: MaskedShape,
  w: { wqkv: ArrayLike<number>; wo: ArrayLike<number>; w1: ArrayLike<number>; w2: ArrayLike<number> },
  x: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  idx: ArrayLike<number>,
  round: (xs: Float64Array) => Float64Array = (xs) => xs,
): Float64Array {
  const { masked: M, hidden: d, tokens: N, heads } = s;
  const xm = new Float64Array(M * d);
  for (let m = 0; m < M; m++) for (let e = 0; e < d; e++) xm[m * d + e] = x[idx[m]! * d + e]!;
  const qkv = round(gemmRef(xm, w.wqkv, M, 3 * d, d));
  const kk = Float64Array.from(k as ArrayLike<number>);
  const vv = Float64Array.from(v as ArrayLike<number>);
  for (let m = 0; m < M; m++)
    for (let e = 0; e < d; e++) {
      kk[idx[m]! * d + e] = qkv[m * 3 * d + d + e]!;
      vv[idx[m]! * d + e] = qkv[m * 3 * d + 2 * d + e]!;
    }
  const o = round(attentionRef(qkv, kk, vv, { batch: 1, heads, q: M, kv: N, headDim: d / heads, qStride: 3 * d, kvStride: d }));
  const r1 = round(gemmRef(o, w.wo, M, d, d, { beta: 1, c0: xm }));
  const h = round(gemmRef(r1, w.w1, M, 4 * d, d, { act: 1 }));
  return gemmRef(h, w.w2, M, d, 4 * d, { beta: 1, c0: r1 });
}
