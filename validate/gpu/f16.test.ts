import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, roundF16 } from './f16.js';

describe('f32ToF16Bits / f16BitsToF32', () => {
  it('encodes exact values, limits and specials bit for bit', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // rounds to infinity
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(0)).toBe(0);
    expect(f32ToF16Bits(NaN) & 0x7c00).toBe(0x7c00);
  });
  it('rounds to nearest even', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even mantissa (1).
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
  it('round-trips every finite half value', () => {
    for (let h = 0; h < 0x7c00; h += 7) expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
  });
  it('roundF16 keeps relative error under 2^-11 for normal values', () => {
    const xs = Float32Array.from({ length: 1000 }, (_, i) => (i + 1) * 0.37);
    const r = roundF16(xs);
    xs.forEach((x, i) => expect(Math.abs(r[i]! - x) / x).toBeLessThanOrEqual(2 ** -11));
  });
});
