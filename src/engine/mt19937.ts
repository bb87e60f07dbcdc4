/**
 * MT19937 (Matsumoto & Nishimura 1998) seeded from one 32-bit integer, with the 53-bit uniform
 * of genrand_res53. It reproduces @stdlib/random-base-mt19937's `factory({ seed }).normalized`
 * draw for draw (a test checks it), so seeds keep giving the same runs; it lives here because that
 * package loads ~320 small modules (~150 ms of CPU), paid by the CLI and by every worker thread.
 */

const N = 624;
const M = 397;
// Signed 32-bit forms of the constants: the state is an Int32Array, so every operation stays in
// small integers (V8 keeps them unboxed); only the final words are read as unsigned.
const UPPER_MASK = 0x80000000 | 0;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df | 0;
const TEMPER_B = 0x9d2c5680 | 0;
const TEMPER_C = 0xefc60000 | 0;
const TWO_26 = 67108864;
const TWO_53_INV = 1 / 9007199254740992;

/** A uniform [0, 1) generator with 53-bit resolution; `seed` in 1 .. 2^32-1. */
export function mt19937Uniform(seed: number): () => number {
  const mt = new Int32Array(N);
  mt[0] = seed | 0;
  for (let i = 1; i < N; i++) {
    const s = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = (Math.imul(s, 1812433253) + i) | 0;
  }

  const twist = (): void => {
    let i = 0;
    for (; i < N - M; i++) {
      const w = (mt[i]! & UPPER_MASK) | (mt[i + 1]! & LOWER_MASK);
      mt[i] = mt[i + M]! ^ (w >>> 1) ^ (-(w & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      const w = (mt[i]! & UPPER_MASK) | (mt[i + 1]! & LOWER_MASK);
      mt[i] = mt[i + M - N]! ^ (w >>> 1) ^ (-(w & 1) & MATRIX_A);
    }
    const w = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (w >>> 1) ^ (-(w & 1) & MATRIX_A);
  };

  // Each twist yields 624 words = 312 uniforms (two words each, as genrand_res53 takes them; 624
  // is even, so a pair never straddles a twist). Converting them all in one tight loop makes a
  // draw an array read.
  const buf = new Float64Array(N / 2);
  let pos = N / 2;
  const refill = (): void => {
    twist();
    for (let i = 0, j = 0; i < N; i += 2, j++) {
      let x = mt[i]!;
      x ^= x >>> 11;
      x ^= (x << 7) & TEMPER_B;
      x ^= (x << 15) & TEMPER_C;
      x ^= x >>> 18;
      let y = mt[i + 1]!;
      y ^= y >>> 11;
      y ^= (y << 7) & TEMPER_B;
      y ^= (y << 15) & TEMPER_C;
      y ^= y >>> 18;
      buf[j] = ((x >>> 5) * TWO_26 + (y >>> 6)) * TWO_53_INV;
    }
    pos = 0;
  };

  return () => {
    if (pos >= N / 2) refill();
    return buf[pos++]!;
  };
}
