/**
 * IEEE half-precision conversion on the host (Node 20 has no Float16Array). Round to nearest even,
 * with subnormals, infinities and NaN, so CPU references see exactly the values the GPU reads.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Encode to f16 bits, padded to a multiple of two elements (GPU buffers are 4-byte aligned). */
export function toF16(xs: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(xs.length + (xs.length & 1));
  for (let i = 0; i < xs.length; i++) out[i] = f32ToF16Bits(xs[i]!);
  return out;
}

export function fromF16(bits: Uint16Array, n = bits.length): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f16BitsToF32(bits[i]!);
  return out;
}

/** Values as the GPU sees them after an f16 round trip. */
export function roundF16(xs: ArrayLike<number>): Float32Array {
  return fromF16(toF16(xs), xs.length);
}
