/**
 * The shipped moe studies, shortened: what their descriptions claim (previous-token is a no-op under
 * per-layer LRU, Belady has the fewest misses without prefetch, covered >= hit, precision <= 1,
 * stall causes add up) holds on their own configuration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { moeSystem } from '../../../src/systems/moe/index.js';

const root = join(import.meta.dirname, '../../../scenarios');
const files = readdirSync(root).filter((f) => f.startsWith('moe-') && f.endsWith('.yaml'));

/** Every policy of a shipped study at one cache size, on a shortened workload. */
async function runStudy(f: string, size: number, tokens: number, dir = root, model: Record<string, unknown> = {}) {
  const sc = parse(readFileSync(join(dir, f), 'utf8'));
  const hardware = resolveHardware(sc.hardware);
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of sc.policies) {
    const r = await moeSystem.simulate({
      hardware,
      model: moeSystem.modelSchema.parse({ ...sc.model, ...model }),
      workload: moeSystem.workloadSchema.parse({ ...sc.workload, generator: { ...sc.workload.generator, tokens } }),
      policy: moeSystem.policySchema.parse({ ...p.policy, cache_experts: size }),
      seed: sc.seed,
      warmup: sc.warmup ?? {},
      baseDir: dir,
    });
    out[p.label] = r.metrics;
  }
  return out;
}

describe('scenarios/moe-*.yaml: what their descriptions claim holds', () => {
  it('there are shipped moe studies', () => expect(files.length).toBeGreaterThanOrEqual(2));

  it('moe-prefetch-eviction: previous-token is a no-op under per-layer LRU; Belady has the fewest misses without prefetch', async () => {
    const m = await runStudy('moe-prefetch-eviction.yaml', 128, 120);
    expect(m['previous token, LRU (no-op)']).toEqual(m['no prefetch, LRU']);
    const belady = m['no prefetch, Belady (miss bound)']!.hit_rate as number;
    for (const label of ['no prefetch, LRU', 'no prefetch, LFU', 'no prefetch, popularity-pinned']) expect(belady, label).toBeGreaterThanOrEqual(m[label]!.hit_rate as number);
    for (const [label, x] of Object.entries(m)) {
      expect(x.covered_rate as number, label).toBeGreaterThanOrEqual(x.hit_rate as number);
      expect(x.prefetch_precision as number, label).toBeLessThanOrEqual(1);
      const by = x.stall_by_cause_ms as Record<string, number>;
      for (const [cause, ms] of Object.entries(by)) expect(ms, `${label} ${cause}`).toBeGreaterThanOrEqual(0);
      expect(by.in_flight! + by.missing! + by.cpu! + by.copy_on_gpu!, label).toBeCloseTo(x.stall_ms as number, 2);
    }
    // Without prefetch nothing is ever in flight at the gate.
    expect(m['no prefetch, LRU']!.covered_rate).toBe(m['no prefetch, LRU']!.hit_rate);
  });

  it('moe-fallbacks-rtx4090: dropping never stalls; buddy substitution stalls less than fetching', async () => {
    const m = await runStudy('moe-fallbacks-rtx4090.yaml', 48, 60);
    expect(m['drop and renormalise']!.stall_ms).toBe(0);
    expect(m['buddy substitute (BuddyMoE)']!.stall_ms as number).toBeLessThan(m['fetch on miss']!.stall_ms as number);
  });
});

describe('stall causes', () => {
  it('are never negative: the idle clock rounding is not taken back (Table 2 scenario, A100 host scale)', async () => {
    // This configuration once reported stall_by_cause_ms.missing = -1.8e-14.
    const dir = join(import.meta.dirname, '../../../reproduce/mixtral-offloading-table2');
    const m = await runStudy('scenario.yaml', 128, 120, dir, { host_time_scale: 1.384 });
    for (const [label, x] of Object.entries(m)) {
      const by = x.stall_by_cause_ms as Record<string, number>;
      for (const [cause, ms] of Object.entries(by)) expect(ms, `${label} ${cause}`).toBeGreaterThanOrEqual(0);
      expect(by.in_flight! + by.missing! + by.cpu! + by.copy_on_gpu!, label).toBeCloseTo(x.stall_ms as number, 2);
    }
  });
});

describe('traces/moe-sample.csv', () => {
  it('replays with its recorded predictions', async () => {
    const out = await moeSystem.simulate({
      hardware: resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' }),
      model: moeSystem.modelSchema.parse({}),
      workload: moeSystem.workloadSchema.parse({ trace: '../traces/moe-sample.csv', prompt_tokens: 64 }),
      policy: moeSystem.policySchema.parse({ cache_experts: 128, prefetch: 'predicted', predictor: 'trace' }),
      seed: 1,
      warmup: {},
      baseDir: root,
    });
    expect(out.metrics).toMatchObject({ decode_tokens: 60 });
    expect(out.metrics.prefetch_precision as number).toBeGreaterThan(0.5);
    expect(out.metrics.ttft_ms).toBeDefined();
    expect(out.conservation).toEqual({ arrived: 3, completed: 3, rejected: 0, inFlight: 0 });
  });
});
