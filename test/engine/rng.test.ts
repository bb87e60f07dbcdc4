import { describe, expect, it } from 'vitest';
import { betaFromMean, Categorical, Env, RngStreams, Server, Zipf } from '../../src/engine/index.js';

function eventOrder(seed: number): string {
  const env = new Env();
  const rng = new RngStreams(seed).stream('arrivals');
  const s = new Server(env, 'S', { units: 2 });
  const log: string[] = [];
  for (let i = 0; i < 200; i++) {
    env.schedule(rng.exponential(2), () => s.submit(rng.exponential(1), (t) => log.push(`${i}:${t.toFixed(9)}`)));
  }
  env.run();
  return log.join(',');
}

describe('random streams', () => {
  it('same seed -> identical event order; another seed differs', () => {
    expect(eventOrder(5)).toBe(eventOrder(5));
    expect(eventOrder(5)).not.toBe(eventOrder(6));
  });

  it('streams are independent by name: drawing from one never shifts another', () => {
    const a = new RngStreams(1);
    const b = new RngStreams(1);
    for (let i = 0; i < 100; i++) a.stream('routing').uniform();
    expect(a.stream('arrivals').uniform()).toBe(b.stream('arrivals').uniform());
  });

  it('exponential, gamma, lognormal and beta have their analytic means', () => {
    const r = new RngStreams(42).stream('x');
    const n = 200_000;
    const avg = (f: () => number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += f();
      return s / n;
    };
    expect(avg(() => r.exponential(4))).toBeCloseTo(0.25, 2);
    expect(avg(() => r.gamma(2, 3))).toBeCloseTo(6, 1);
    expect(avg(() => r.lognormal(0, 0.5))).toBeCloseTo(Math.exp(0.125), 2);
    const { a, b } = betaFromMean(0.11);
    expect(a).toBeCloseTo(1.1, 12);
    expect(b).toBeCloseTo(8.9, 12);
    expect(avg(() => r.beta(a, b))).toBeCloseTo(0.11, 2);
  });

  it('categorical (alias method) reproduces its weights', () => {
    const r = new RngStreams(9).stream('c');
    const c = new Categorical([1, 2, 3, 4]);
    const counts = [0, 0, 0, 0];
    const n = 400_000;
    for (let i = 0; i < n; i++) counts[c.sample(r)]!++;
    counts.forEach((k, i) => expect(k / n).toBeCloseTo((i + 1) / 10, 2));
  });

  it('Zipf(n, s) gives rank 1 the share 1 / H(n, s)', () => {
    const r = new RngStreams(10).stream('z');
    const z = new Zipf(100, 1.2);
    let h = 0;
    for (let k = 1; k <= 100; k++) h += k ** -1.2;
    let top = 0;
    const n = 300_000;
    for (let i = 0; i < n; i++) if (z.sample(r) === 0) top++;
    expect(top / n).toBeCloseTo(1 / h, 2);
  });
});
