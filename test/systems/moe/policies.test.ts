/**
 * Invariants across policies on generated Mixtral-like traces (H100 PCIe preset costs): Belady
 * never loses to LRU, the oracle prefetcher bounds the others, substitution never fetches, the gate
 * runs conserve requests, and runs are deterministic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../../src/systems/hardware.js';
import type { Metrics } from '../../../src/systems/types.js';
import { generateMoeRows, MOE_HEADER, moeRowToCsv } from '../../../src/workloads/moe/index.js';
import { dir, run } from './helpers.js';

const h100 = resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' });
const m = (x: Metrics, k: string) => x[k] as number;
const gen = (tokens: number, extra: Record<string, unknown> = {}) => ({ generator: { tokens, request_tokens: 100, ...extra } });

describe('moe policies on generated traces', () => {
  it('Belady never loses to LRU (hit rate and tokens/s), per-layer and shared caches', async () => {
    for (const seed of [1, 2, 3]) {
      for (const [scope, cache] of [
        ['per-layer', 96],
        ['per-layer', 160],
        ['shared', 64],
        ['shared', 128],
      ] as const) {
        const policy = { cache_scope: scope, cache_experts: cache };
        const lru = (await run({ hardware: h100, workload: gen(300), policy: { ...policy, cache: 'lru' }, seed })).metrics;
        const bel = (await run({ hardware: h100, workload: gen(300), policy: { ...policy, cache: 'belady' }, seed })).metrics;
        expect(m(bel, 'hit_rate'), `seed ${seed} ${scope} ${cache}`).toBeGreaterThanOrEqual(m(lru, 'hit_rate'));
        expect(m(bel, 'tokens_per_s'), `seed ${seed} ${scope} ${cache}`).toBeGreaterThanOrEqual(m(lru, 'tokens_per_s'));
      }
    }
  });

  it('LRU is near random-like hit rates and Belady ~15 points above it (docs/sources.md, Mixtral, 4 of 8 per layer)', async () => {
    const lru = (await run({ hardware: h100, workload: gen(2000), policy: { cache_experts: 128 } })).metrics;
    const bel = (await run({ hardware: h100, workload: gen(2000), policy: { cache_experts: 128, cache: 'belady' } })).metrics;
    const gap = m(bel, 'hit_rate') - m(lru, 'hit_rate');
    expect(gap).toBeGreaterThan(0.1);
    expect(gap).toBeLessThan(0.2);
  });

  it('the oracle prefetcher bounds the others at the same depth and cache', async () => {
    for (const seed of [1, 2]) {
      for (const cache of [96, 128, 192]) {
        for (const depth of [1, 2]) {
          const base = { cache_experts: cache, prefetch_depth: depth };
          const oracle = m((await run({ hardware: h100, workload: gen(200), policy: { ...base, prefetch: 'oracle' }, seed })).metrics, 'tokens_per_s');
          for (const prefetch of ['none', 'previous-token', 'popularity', 'predicted']) {
            const other = m((await run({ hardware: h100, workload: gen(200), policy: { ...base, prefetch }, seed })).metrics, 'tokens_per_s');
            expect(oracle, `${prefetch} seed ${seed} cache ${cache} depth ${depth}`).toBeGreaterThanOrEqual(other);
          }
        }
      }
    }
  });

  it('substitution never fetches: with a buddy resident for every expert, nothing crosses PCIe', async () => {
    const sim = join(dir, 'all-similar.json');
    writeFileSync(sim, JSON.stringify(Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i === j ? 0 : 1 + ((i + j) % 8))))));
    // 6 of 8 experts per layer resident: a token's 2 experts leave at least 4 candidates.
    const out = await run({ hardware: h100, workload: gen(300), policy: { cache_experts: 192, miss: 'buddy', buddy_matrix: 'all-similar.json', buddy_candidates: 7 } });
    expect(m(out.metrics, 'pcie_bytes')).toBe(0);
    const mass = out.metrics.gate_mass as Record<string, number>;
    expect(mass.substituted).toBeGreaterThan(0.1);
    // Co-activation buddies (profiled offline on a separate generated trace) fetch less than fetching every miss.
    const learnt = await run({ hardware: h100, workload: gen(300), policy: { cache_experts: 128, miss: 'buddy', buddy_profile: { tokens: 300 } } });
    const fetch = await run({ hardware: h100, workload: gen(300), policy: { cache_experts: 128 } });
    expect(m(learnt.metrics, 'pcie_bytes')).toBeLessThan(m(fetch.metrics, 'pcie_bytes'));
  });

  it('every miss policy conserves requests, batched or not', async () => {
    for (const miss of ['fetch', 'drop', 'cpu', 'buddy', 'lowbit']) {
      for (const batch_size of [1, 4]) {
        const out = await run({ hardware: h100, workload: gen(200), policy: { cache_experts: 96, miss, batch_size, cpu_when: 'always', prefetch: 'predicted', buddy_online: miss === 'buddy' } });
        expect(out.conservation.inFlight, `${miss} batch ${batch_size}`).toBe(0);
        expect(out.conservation.completed).toBe(2);
        expect(out.metrics.decode_tokens).toBe(200);
      }
    }
  });

  it('is deterministic, and a trace file replays exactly like the generator that wrote it', async () => {
    const policy = { cache_experts: 128, prefetch: 'predicted', miss: 'buddy', buddy_online: true, batch_size: 2 };
    const params = { tokens: 150, request_tokens: 50, predictor_accuracy: 0.8, rps: 20 };
    const a = await run({ hardware: h100, workload: { generator: params }, policy, seed: 7 });
    const b = await run({ hardware: h100, workload: { generator: params }, policy, seed: 7 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = await run({ hardware: h100, workload: { generator: params }, policy, seed: 8 });
    expect(JSON.stringify(c.metrics)).not.toBe(JSON.stringify(a.metrics));
    const file = join(dir, 'roundtrip.csv');
    const lines = [MOE_HEADER];
    for (const r of generateMoeRows({ ...params, prompt_tokens: 512 }, 7)) lines.push(moeRowToCsv(r));
    writeFileSync(file, lines.join('\n') + '\n');
    const f = await run({ hardware: h100, workload: { trace: 'roundtrip.csv' }, policy, seed: 7 });
    expect(f.metrics).toEqual(a.metrics);
  });

  it('honours the warm-up: the first N tokens are not measured', async () => {
    const all = await run({ hardware: h100, workload: gen(200), policy: { cache_experts: 128 } });
    const warm = await run({ hardware: h100, workload: gen(200), policy: { cache_experts: 128 }, warmup: { tokens: 50 } });
    expect(m(all.metrics, 'decode_tokens')).toBe(200);
    expect(m(warm.metrics, 'decode_tokens')).toBe(150);
  });
});
