/**
 * Seeded random streams, one per purpose (arrivals, routing, mask ratios, adapter draws, policy
 * tie-breaks), so that policies compared in one run see the same workload (common random numbers)
 * and adding a draw to one purpose never shifts another. Each stream is an MT19937 generator
 * (identical to @stdlib/random's) whose seed is derived from (run seed, stream name).
 *
 * The gamma/beta/lognormal/normal samplers are @stdlib's, loaded on first use (stdlib.ts).
 */
import { mt19937Uniform } from './mt19937.js';
import { stdlib } from './stdlib.js';

/** FNV-1a over the seed and name, mapped to a valid MT19937 seed (1 .. 2^32-1). */
export function deriveSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  const s = `${seed}:${name}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}

type Unary = () => number;

export class Rng {
  /** Uniform in [0, 1). */
  readonly uniform: Unary;
  private readonly prng: Unary;
  private cache = new Map<string, Unary>();

  constructor(readonly seed: number) {
    this.prng = mt19937Uniform(seed);
    this.uniform = this.prng;
  }

  private memo(key: string, make: () => Unary): Unary {
    let f = this.cache.get(key);
    if (!f) {
      f = make();
      this.cache.set(key, f);
    }
    return f;
  }

  /** Exponential with the given rate (mean 1/rate), by inversion: exact, and cheap on hot paths. */
  exponential(rate: number): number {
    return -Math.log(1 - this.uniform()) / rate;
  }

  /** Gamma with shape k and scale theta (mean k*theta). */
  gamma(shape: number, scale: number): number {
    return scale * this.memo(`gamma:${shape}`, () => stdlib('gamma').factory(shape, 1, { prng: this.prng }))();
  }

  beta(a: number, b: number): number {
    return this.memo(`beta:${a}:${b}`, () => stdlib('beta').factory(a, b, { prng: this.prng }))();
  }

  /** Lognormal with log-mean mu and log-sd sigma. */
  lognormal(mu: number, sigma: number): number {
    return this.memo(`lnorm:${mu}:${sigma}`, () => stdlib('lognormal').factory(mu, sigma, { prng: this.prng }))();
  }

  normal(mean: number, sd: number): number {
    return this.memo(`norm:${mean}:${sd}`, () => stdlib('normal').factory(mean, sd, { prng: this.prng }))();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = tmp;
    }
    return xs;
  }
}

/** A family of named streams derived from one run seed. */
export class RngStreams {
  private streams = new Map<string, Rng>();
  constructor(readonly seed: number) {}
  stream(name: string): Rng {
    let r = this.streams.get(name);
    if (!r) {
      r = new Rng(deriveSeed(this.seed, name));
      this.streams.set(name, r);
    }
    return r;
  }
}
