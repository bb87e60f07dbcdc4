/**
 * Discrete distributions used by workload generators, sampled from an Rng's uniform stream:
 * categorical by Walker's alias method (O(1) per draw) and Zipf over ranks 1..n as a categorical.
 * Plus the moment fits generators need (Beta from a mean, gamma renewal from a CV).
 */
import type { Rng } from './rng.js';

export class Categorical {
  private prob: Float64Array;
  private alias: Int32Array;
  readonly n: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('categorical needs at least one weight');
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`categorical weight ${i} is ${w}`);
      sum += w;
    }
    if (!(sum > 0)) throw new RangeError('categorical weights sum to 0');
    this.n = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = Array.from({ length: n }, (_, i) => (weights[i]! * n) / sum);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  /** An index in [0, n). */
  sample(rng: Rng): number {
    const u = rng.uniform() * this.n;
    const i = Math.floor(u);
    return u - i < this.prob[i]! ? i : this.alias[i]!;
  }
}

/** Zipf weights over ranks 1..n: P(rank r) proportional to r^-s. */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let r = 1; r <= n; r++) w[r - 1] = Math.pow(r, -s);
  return w;
}

/** Zipf sampler returning 0-based ranks (0 = most popular). */
export class Zipf extends Categorical {
  constructor(n: number, readonly s: number) {
    super(zipfWeights(n, s));
  }
}

/**
 * Beta(a, b) with the given mean and concentration a + b. The default concentration 10 gives a
 * right-skewed shape for small means (mean 0.11 -> Beta(1.1, 8.9), which fits InstGenIE's production masks, arXiv 2505.20600).
 */
export function betaFromMean(mean: number, concentration = 10): { a: number; b: number } {
  if (!(mean > 0 && mean < 1)) throw new RangeError(`beta mean must be in (0,1), got ${mean}`);
  return { a: mean * concentration, b: (1 - mean) * concentration };
}

/** Gamma renewal interarrival parameters for a rate and coefficient of variation (CV 1 = Poisson). */
export function gammaInterarrival(rate: number, cv: number): { shape: number; scale: number } {
  const shape = 1 / (cv * cv);
  return { shape, scale: 1 / (rate * shape) };
}
