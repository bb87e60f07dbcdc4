/**
 * The shipped moe studies parse with this system's schemas, and every (sweep point x policy) can
 * run on its hardware (no configuration error), checked on a shortened workload.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { moeSystem } from '../../../src/systems/moe/index.js';

const root = join(import.meta.dirname, '../../../scenarios');
const files = readdirSync(root).filter((f) => f.startsWith('moe-') && f.endsWith('.yaml'));

describe('scenarios/moe-*.yaml', () => {
  it('there are shipped moe studies', () => expect(files.length).toBeGreaterThanOrEqual(2));

  for (const f of files) {
    it(`${f}: every policy at every cache size parses and runs`, async () => {
      const sc = parse(readFileSync(join(root, f), 'utf8'));
      expect(sc.system).toBe('moe');
      expect(sc.name).toBe(f.replace(/\.yaml$/, ''));
      const hardware = resolveHardware(sc.hardware);
      const sizes: number[] = sc.sweep['policy.cache_experts'];
      for (const size of sizes) {
        for (const p of sc.policies) {
          const out = await moeSystem.simulate({
            hardware,
            model: moeSystem.modelSchema.parse(sc.model),
            workload: moeSystem.workloadSchema.parse({ ...sc.workload, max_tokens: 8 }),
            policy: moeSystem.policySchema.parse({ ...p.policy, cache_experts: size }),
            seed: sc.seed,
            warmup: {},
            baseDir: root,
          });
          expect(out.metrics.decode_tokens, `${p.label} @ ${size}`).toBe(8);
        }
      }
    });
  }
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
