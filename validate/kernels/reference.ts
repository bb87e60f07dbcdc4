/**
 * CPU references for every kernel, in float64 over the exact inputs the GPU sees (f16 inputs are
 * rounded before both sides use them), and the relative error a kernel is checked with.
 */

export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)));
}
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** C = act(A B + beta C0). */
export function gemmRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  opts: { beta?: number; c0?: ArrayLike<number>; act?: 0 | 1 | 2 } = {},
): Float64Array {
  const c = new Float64Array(m * n);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0) continue;
      const off = p * n;
      for (let j = 0; j < n; j++) row[j]! += av * b[off + j]!;
    }
    for (let j = 0; j < n; j++) {
      let v = row[j]!;
      if (opts.beta) v += opts.beta * opts.c0![i * n + j]!;
      c[i * n + j] = opts.act === 1 ? gelu(v) : opts.act === 2 ? silu(v) : v;
    }
  }
  return c;
}

/**
 * Attention, token-major: q[b, i, h, e] at ((b*qn + i) * qStride + qOff + h*D + e); k and v
 * [b, j, h, e] at ((b*kvn + j) * kvStride + h*D + e). Output [b, i, h, e] dense.
 */
export function attentionRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  s: { batch: number; heads: number; q: number; kv: number; headDim: number; qStride?: number; kvStride?: number },
): Float64Array {
  const { batch, heads, headDim: D } = s;
  const qs = s.qStride ?? heads * D;
  const ks = s.kvStride ?? heads * D;
  const out = new Float64Array(batch * s.q * heads * D);
  const scores = new Float64Array(s.kv);
  const scale = 1 / Math.sqrt(D);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < s.q; i++)
      for (let h = 0; h < heads; h++) {
        const qo = (b * s.q + i) * qs + h * D;
        let mx = -Infinity;
        for (let j = 0; j < s.kv; j++) {
          const ko = (b * s.kv + j) * ks + h * D;
          let dot = 0;
          for (let e = 0; e < D; e++) dot += q[qo + e]! * k[ko + e]!;
          scores[j] = dot * scale;
          if (scores[j]! > mx) mx = scores[j]!;
        }
        let sum = 0;
        for (let j = 0; j < s.kv; j++) sum += scores[j] = Math.exp(scores[j]! - mx);
        const oo = ((b * s.q + i) * heads + h) * D;
        for (let j = 0; j < s.kv; j++) {
          const w = scores[j]! / sum;
          const vo = (b * s.kv + j) * ks + h * D;
          for (let e = 0; e < D; e++) out[oo + e]! += w * v[vo + e]!;
        }
      }
  return out;
}

/** ||x - ref||_2 / ||ref||_2 over the first ref.length elements. */
export function relError(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = x[i]! - ref[i]!;
    num += d * d;
    den += ref[i]! * ref[i]!;
  }
  if (!Number.isFinite(num)) return Infinity;
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Deterministic pseudo-random values in [-scale, scale) from a 32-bit seed (xorshift, cheap for MBs). */
export function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = ((x / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
