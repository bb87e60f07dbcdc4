import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { alphaForEntropy, dirichletEntropy, generateMoeRows, moeGenSchema, RoutingStats, type MoeGenInput } from '../../../src/workloads/moe/index.js';

function stats(p: MoeGenInput, seed = 1, topK = 2): RoutingStats {
  const s = new RoutingStats(topK);
  for (const r of generateMoeRows(p, seed)) s.add(r);
  return s;
}

describe('generateMoeRows(params, seed)', () => {
  it('defaults show the Mixtral statistics of docs/sources.md: ~33% repeats, hottest expert ~17% of routings', () => {
    const s = stats({ tokens: 4000 });
    expect(s.repeatRate).toBeCloseTo(0.33, 1);
    expect(Math.abs(s.repeatRate - 0.33)).toBeLessThan(0.01);
    expect(Math.abs(s.hottestShare - 0.17)).toBeLessThan(0.01);
    expect(Math.abs(s.gateEntropy - 0.9)).toBeLessThan(0.01);
    expect(s.tokens).toBe(4000);
    expect(s.rows).toBe(4000 * 32);
  });

  it('realises the configured repeat rate, skew and entropy, on other shapes too', () => {
    expect(Math.abs(stats({ tokens: 3000, repeat_rate: 0.6 }).repeatRate - 0.6)).toBeLessThan(0.015);
    // Zipf exponent 0: uniform popularity, the hottest of 8 takes 1/8.
    expect(Math.abs(stats({ tokens: 3000, zipf_s: 0, repeat_rate: 0.25 }).hottestShare - 0.125)).toBeLessThan(0.01);
    expect(Math.abs(stats({ tokens: 3000, gate_entropy: 0.5 }).gateEntropy - 0.5)).toBeLessThan(0.02);
    const qwen = stats({ tokens: 400, layers: 8, experts: 128, top_k: 8, repeat_rate: 0.4 }, 1, 8);
    expect(Math.abs(qwen.repeatRate - 0.4)).toBeLessThan(0.015);
    expect(Math.abs(qwen.gateEntropy - 0.9)).toBeLessThan(0.01);
  });

  it('cross-layer correlation makes the next layer predictable from the one below', () => {
    const none = stats({ tokens: 2000, layer_corr: 0 }).layerFollowRate;
    const some = stats({ tokens: 2000, layer_corr: 0.5 }).layerFollowRate;
    const strong = stats({ tokens: 2000, layer_corr: 0.9 }).layerFollowRate;
    expect(some).toBeGreaterThan(none + 0.1);
    expect(strong).toBeGreaterThan(some + 0.1);
  });

  it('is deterministic per seed', () => {
    const a = JSON.stringify([...generateMoeRows({ tokens: 50, rps: 3, predictor_accuracy: 0.7 }, 5)]);
    expect(JSON.stringify([...generateMoeRows({ tokens: 50, rps: 3, predictor_accuracy: 0.7 }, 5)])).toBe(a);
    expect(JSON.stringify([...generateMoeRows({ tokens: 50, rps: 3, predictor_accuracy: 0.7 }, 6)])).not.toBe(a);
  });

  it('splits tokens into requests, with Poisson arrivals on first rows and prefill steps when asked', () => {
    const rows = [...generateMoeRows({ tokens: 250, request_tokens: 100, rps: 2, prefill: true, prompt_tokens: 64 }, 3)];
    const firsts = rows.filter((r) => r.arrival_s !== undefined);
    expect(firsts.map((r) => [r.request, r.token, r.layer])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 0],
    ]);
    expect(firsts.map((r) => r.arrival_s)).toEqual([...firsts.map((r) => r.arrival_s!)].sort((a, b) => a - b));
    const prefill = rows.filter((r) => r.token === 0);
    expect(prefill.every((r) => r.experts.length > 2 && r.weights!.length === r.experts.length)).toBe(true);
    expect(rows.filter((r) => r.token > 0 && r.layer === 0).length).toBe(250);
    expect(rows.filter((r) => r.request === 2 && r.layer === 0).length).toBe(51);
  });

  it('a synthetic predictor of accuracy a has precision and recall a', () => {
    const s = stats({ tokens: 3000, predictor_accuracy: 0.8 }).summary();
    expect(Math.abs((s.predicted_precision as number) - 0.8)).toBeLessThan(0.01);
    expect(Math.abs((s.predicted_recall as number) - 0.8)).toBeLessThan(0.01);
  });

  it('rejects impossible parameters with the field named', () => {
    const r = moeGenSchema.safeParse({ experts: 4, top_k: 6 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['top_k']);
    expect(r.error!.issues[0]!.message).toMatch(/top_k 6 is larger than the expert count 4/);
    expect(moeGenSchema.safeParse({ tokenz: 5 }).success).toBe(false);
    expect(() => [...generateMoeRows({ tokens: 10, repeat_rate: 0.05 }, 1)]).toThrow(ConfigError);
    expect(() => [...generateMoeRows({ tokens: 10, repeat_rate: 0.05 }, 1)]).toThrow(/below the chance level/);
  });
});

describe('alphaForEntropy(target, k)', () => {
  it('inverts the closed-form mean entropy of a symmetric Dirichlet', () => {
    for (const [t, k] of [
      [0.5, 2],
      [0.9, 2],
      [0.7, 8],
    ] as const) {
      expect(dirichletEntropy(alphaForEntropy(t, k), k)).toBeCloseTo(t, 6);
    }
    // alpha = 1 over 2 parts is uniform on the simplex: E[H] = 1/2 nats.
    expect(dirichletEntropy(1, 2) * Math.log(2)).toBeCloseTo(0.5, 9);
  });
});

describe('generatedMoeRows (the one-trace memo)', () => {
  it('gives generateMoeRows rows, and the same rows again for the same parameters and seed', async () => {
    const { generatedMoeRows, MEMO_ROWS } = await import('../../../src/workloads/moe/generator.js');
    const p: MoeGenInput = { tokens: 50, request_tokens: 20, layers: 4, rps: 2, predictor_accuracy: 0.7 };
    const a = generatedMoeRows(p, 3);
    expect([...a]).toEqual([...generateMoeRows(p, 3)]);
    expect(generatedMoeRows({ ...p }, 3)).toBe(a);
    expect(generatedMoeRows(p, 4)).not.toBe(a);
    // Past the cap it streams (a lazy generator, not an array).
    const big = generatedMoeRows({ tokens: MEMO_ROWS, request_tokens: 100, layers: 4 }, 1);
    expect(Array.isArray(big)).toBe(false);
  });
});
