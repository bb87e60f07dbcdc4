import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors.js';
import { REGISTRY } from '../fixtures/registry.js';
import type { ResultsFile } from '../../src/report/types.js';
import { loadScenario } from '../../src/scenario/load.js';
import { mergeResults } from '../../src/scenario/merge.js';
import { CHECKPOINT_FILE, runPlan } from '../../src/scenario/runner.js';
import type { Registry } from '../../src/scenario/types.js';
import { queueSystem } from '../fixtures/queue/system.js';

const SCENARIO = 'test/fixtures/scenarios/queue-sweep.yaml';
const small = () => loadScenario(SCENARIO, { registry: REGISTRY, set: ['workload.generator.requests=60', 'replications=2'] }).plan;
const tmp = () => mkdtempSync(join(tmpdir(), 'servesim-run-'));

/** results.json without the wall-clock section, as determinism compares it. */
function stable(r: ResultsFile): string {
  const { wallclock: _w, ...rest } = r;
  return JSON.stringify(rest);
}

describe('runPlan(plan)', () => {
  it('runs every (point, policy, replication) and conserves requests', async () => {
    const plan = small();
    const { results, ran, total } = await runPlan(plan, { registry: REGISTRY, jobs: 1 });
    expect(ran).toBe(18);
    expect(total).toBe(18);
    expect(results.complete).toBe(true);
    expect(results.runs).toHaveLength(9);
    for (const run of results.runs) {
      for (const rep of run.replications) expect(rep.conservation).toEqual({ arrived: 60, completed: 60, rejected: 0, inFlight: 0 });
    }
    expect(results.gantt.map((g) => g.policy)).toEqual(['fifo-2', 'sjf-2', 'fifo-3']);
    expect(results.gantt[0]!.slices.length).toBeGreaterThan(0);
    // Same seed, same bytes.
    const again = await runPlan(small(), { registry: REGISTRY, jobs: 1 });
    expect(stable(again.results)).toBe(stable(results));
  });

  it('rejects an output that breaks conservation (arrived != completed + rejected + in flight)', async () => {
    const broken: Registry = {
      ...REGISTRY,
      systems: {
        edit: {
          ...queueSystem,
          simulate: async (input) => {
            const out = await queueSystem.simulate(input);
            return { ...out, conservation: { ...out.conservation, completed: out.conservation.completed - 1 } };
          },
        },
      },
    };
    await expect(runPlan(small(), { registry: broken, jobs: 1 })).rejects.toThrow(InvariantError);
    await expect(runPlan(small(), { registry: broken, jobs: 1 })).rejects.toThrow(/requests not conserved: arrived 60 != completed 59 \+ rejected 0 \+ in flight 0/);
  });

  it('keeps finished runs when aborted, and --resume finishes with the same results as an uninterrupted run', async () => {
    const out = tmp();
    const controller = new AbortController();
    const first = await runPlan(small(), {
      registry: REGISTRY,
      jobs: 1,
      outDir: out,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 5) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.results.complete).toBe(false);
    expect(first.ran).toBe(5);
    expect(first.results.missing).toHaveLength(13);
    const lines = readFileSync(join(out, CHECKPOINT_FILE), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 5);

    const second = await runPlan(small(), { registry: REGISTRY, jobs: 1, outDir: out, resume: true });
    expect(second.resumed).toBe(5);
    expect(second.ran).toBe(13);
    expect(second.results.complete).toBe(true);
    expect(existsSync(join(out, CHECKPOINT_FILE))).toBe(false);
    const fresh = await runPlan(small(), { registry: REGISTRY, jobs: 1 });
    expect(stable(second.results)).toBe(stable(fresh.results));
  });

  it('refuses to resume from another scenario', async () => {
    const out = tmp();
    const controller = new AbortController();
    await runPlan(small(), { registry: REGISTRY, jobs: 1, outDir: out, signal: controller.signal, onProgress: (p) => p.done >= 1 && controller.abort() });
    const other = loadScenario(SCENARIO, { registry: REGISTRY, set: ['workload.generator.requests=61', 'replications=2'] }).plan;
    await expect(runPlan(other, { registry: REGISTRY, jobs: 1, outDir: out, resume: true })).rejects.toThrow(/different scenario/);
  });

  it('shards run disjoint slices that merge into the unsharded result', async () => {
    const full = await runPlan(small(), { registry: REGISTRY, jobs: 1 });
    const parts = [];
    for (let i = 0; i < 3; i++) parts.push(await runPlan(small(), { registry: REGISTRY, jobs: 1, shard: { index: i, count: 3 } }));
    expect(parts.map((p) => p.total).reduce((a, b) => a + b)).toBe(18);
    expect(parts.every((p) => p.results.complete && p.results.shard !== null)).toBe(true);
    const merged = mergeResults(parts.map((p, i) => ({ path: `shard-${i}`, results: JSON.parse(JSON.stringify(p.results)) })));
    expect(stable(merged)).toBe(stable(full.results));
    const incomplete = mergeResults(parts.slice(0, 2).map((p, i) => ({ path: `shard-${i}`, results: p.results })));
    expect(incomplete.complete).toBe(false);
    expect(incomplete.missing.length).toBe(parts[2]!.total);
  });
});
