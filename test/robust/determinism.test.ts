/**
 * Determinism on the shipped scenarios of each real system (scaled down with --set): the same
 * scenario and seed give byte-identical results.json (the wall-clock section aside) and identical
 * results.csv whether run serially, on worker threads, or in shards joined by `servesim merge`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-determinism-'));
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** results.json without `wallclock`: the bytes the determinism promise covers. */
function stable(dir: string): string {
  const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  expect(r.wallclock).toBeDefined();
  delete r.wallclock;
  return JSON.stringify(r, null, 2);
}

const CASES: Array<[string, string, string[]]> = [
  ['moe', 'scenarios/moe-fallbacks-rtx4090.yaml', ['workload.generator.tokens=80', 'warmup.tokens=10', 'sweep.policy.cache_experts=[32, 56]']],
  ['edit', 'scenarios/edit-balance.yaml', ['workload.generator.requests=100', 'warmup.requests=10', 'sweep.workload.generator.rps=[2, 4]']],
  ['t2i', 'scenarios/t2i-lora-cache.yaml', ['workload.generator.requests=60', 'warmup.requests=10', 'replications=2', 'sweep.policy.host_cache_gib=[0, 64]']],
];

describe('byte-identical results.json: serial = worker threads = shards merged', () => {
  it.each(CASES)('%s (%s)', async (system, scenario, sets) => {
    const base = ['run', scenario, ...sets.flatMap((s) => ['--set', s]), '-q', '--no-html'];
    const dir = (k: string) => join(tmp, system, k);
    const runs = await Promise.all([
      cli([...base, '--out', dir('serial'), '-j', '1'], { timeoutMs: 300_000 }),
      cli([...base, '--out', dir('threads'), '-j', '2'], { timeoutMs: 300_000 }),
    ]);
    for (const r of runs) expect(r.stderr).toBe('');
    for (let i = 0; i < 2; i++) {
      const r = await cli([...base, '--out', dir(`shard-${i}`), '--shard', `${i}/2`, '-j', '1'], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
    }
    const merged = await cli(['merge', dir('shard-0') + '/results.json', dir('shard-1') + '/results.json', '--out', dir('merged'), '-q', '--no-html']);
    expect(merged.code, merged.stderr).toBe(0);

    const serial = stable(dir('serial'));
    const parsed = JSON.parse(serial);
    expect(parsed.scenario.system).toBe(system);
    expect(parsed.complete).toBe(true);
    expect(parsed.runs.length).toBeGreaterThan(1);
    expect(stable(dir('threads'))).toBe(serial);
    expect(stable(dir('merged'))).toBe(serial);
    const csv = readFileSync(join(dir('serial'), 'results.csv'), 'utf8');
    expect(readFileSync(join(dir('threads'), 'results.csv'), 'utf8')).toBe(csv);
    expect(readFileSync(join(dir('merged'), 'results.csv'), 'utf8')).toBe(csv);
    // And a different seed gives different numbers (the comparison above could not pass vacuously).
    const other = await cli([...base, '--out', dir('seed2'), '-j', '1', '--seed', '2'], { timeoutMs: 300_000 });
    expect(other.code, other.stderr).toBe(0);
    expect(stable(dir('seed2'))).not.toBe(serial);
  }, 600_000);
});
