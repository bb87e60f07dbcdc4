/**
 * GEMM C[m,n] = act(A[m,k] B[k,n] + beta C[m,n]), row-major, f32 or f16 storage, f32 accumulation.
 *  - tiled: 64x64 output tiles, 16x16 threads computing 4x4 each, K in slices of 16 through
 *    workgroup memory (the classic shared-memory GEMM);
 *  - skinny (m <= 16, decode batch sizes; m = 1 is GEMV): one thread per output column keeps all m
 *    accumulators, so each weight is read once and reads of B are coalesced across threads.
 * `act` is 0 (none), 1 (GELU, tanh form) or 2 (SiLU), applied after the beta term.
 */
import { prologue, type KDtype } from './dtype.js';
import { invocation, pack, pipeline, type Invocation } from './pipeline.js';

export const SKINNY_MAX_M = 16;

const ACT = `
fn gelu(x: f32) -> f32 { return 0.5 * x * (1.0 + tanh(0.7978845608 * (x + 0.044715 * x * x * x))); }
fn silu(x: f32) -> f32 { return x / (1.0 + exp(-x)); }
fn act(x: f32, kind: u32) -> f32 {
  if (kind == 1u) { return gelu(x); }
  if (kind == 2u) { return silu(x); }
  return x;
}
`;

const DIMS = `struct Dims { M: u32, N: u32, K: u32, act: u32, beta: f32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> A: array<T>;
@group(0) @binding(2) var<storage, read> B: array<T>;
@group(0) @binding(3) var<storage, read_write> C: array<T>;
`;

export function tiledWgsl(t: KDtype): string {
  return `${prologue(t)}${DIMS}${ACT}
var<workgroup> As: array<array<f32, 64>, 16>;
var<workgroup> Bs: array<array<f32, 64>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < d.K; k0 += 16u) {
    for (var i = 0u; i < 4u; i++) {
      let e = li + i * 256u;
      let ar = row0 + e / 16u;
      let ac = k0 + e % 16u;
      var av = 0.0;
      if (ar < d.M && ac < d.K) { av = f32(A[ar * d.K + ac]); }
      As[e % 16u][e / 16u] = av;
      let br = k0 + e / 64u;
      let bc = col0 + e % 64u;
      var bv = 0.0;
      if (br < d.K && bc < d.N) { bv = f32(B[br * d.N + bc]); }
      Bs[e / 64u][e % 64u] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[kk][lid.y * 4u + i];
        b[i] = Bs[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= d.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (c >= d.N) { continue; }
      var v = acc[i][j];
      if (d.beta != 0.0) { v += d.beta * f32(C[r * d.N + c]); }
      C[r * d.N + c] = T(act(v, d.act));
    }
  }
}
`;
}

export function skinnyWgsl(t: KDtype): string {
  return `${prologue(t)}${DIMS}${ACT}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= d.N) { return; }
  var acc: array<f32, ${SKINNY_MAX_M}>;
  for (var k = 0u; k < d.K; k++) {
    let b = f32(B[k * d.N + n]);
    for (var m = 0u; m < d.M; m++) { acc[m] = fma(f32(A[m * d.K + k]), b, acc[m]); }
  }
  for (var m = 0u; m < d.M; m++) {
    var v = acc[m];
    if (d.beta != 0.0) { v += d.beta * f32(C[m * d.N + n]); }
    C[m * d.N + n] = T(act(v, d.act));
  }
}
`;
}

export interface GemmArgs {
  a: GPUBuffer;
  b: GPUBuffer | { buffer: GPUBuffer; offset: number; size: number };
  c: GPUBuffer;
  m: number;
  n: number;
  k: number;
  beta?: number;
  act?: 0 | 1 | 2;
  /** Force the tiled kernel even for small m (to time it). */
  tiled?: boolean;
}

export function gemm(device: GPUDevice, t: KDtype, g: GemmArgs): Invocation {
  const skinny = g.m <= SKINNY_MAX_M && !g.tiled;
  const code = skinny ? skinnyWgsl(t) : tiledWgsl(t);
  const label = `${skinny ? 'gemv' : 'gemm'}_${t} ${g.m}x${g.n}x${g.k}`;
  const p = pipeline(device, code, label);
  const u = pack([
    ['u32', g.m],
    ['u32', g.n],
    ['u32', g.k],
    ['u32', g.act ?? 0],
    ['f32', g.beta ?? 0],
  ]);
  const groups: [number, number] = skinny ? [Math.ceil(g.n / 64), 1] : [Math.ceil(g.n / 64), Math.ceil(g.m / 64)];
  return invocation(device, p, label, u, [g.a, g.b, g.c], groups);
}
