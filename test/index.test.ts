/**
 * The public library API (src/index.ts, package.json "main"): one run with simulate(), a study
 * with runScenario() from an object or a file, rows for charts, presets, and the re-exports a
 * notebook relies on. Real systems with small workloads, so the numbers mean something.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as servesim from '../src/index.js';
import { presets, runRows, runScenario, ScenarioError, simulate, type ScenarioObject } from '../src/index.js';

const moeRun = (seed: number, policy: Record<string, unknown> = {}) =>
  simulate({
    system: 'moe',
    hardware: { gpu: 'h100-pcie', host: 'xeon-8380-2s' },
    model: { preset: 'mixtral-8x7b-fp16' },
    workload: { generator: { tokens: 60, request_tokens: 30 } },
    policy: { prefetch: 'none', miss: 'fetch', cache_experts: 64, ...policy },
    seed,
  });

describe('simulate(options)', () => {
  it('runs one system once and returns metrics that obey the system invariants', async () => {
    const out = await moeRun(1);
    const m = out.metrics as Record<string, any>;
    expect(m.decode_tokens).toBe(60);
    expect(m.cache_experts).toBe(64);
    // Fetch on miss computes every expert exactly.
    expect(m.gate_mass).toEqual({ exact: 1, substituted: 0, cpu: 0, dropped: 0 });
    expect(m.tokens_per_s).toBeGreaterThan(0);
    expect(out.conservation.arrived).toBe(out.conservation.completed + out.conservation.rejected + out.conservation.inFlight);
  });

  it('same seed -> identical output; the policy alone changes the result', async () => {
    const [a, b] = await Promise.all([moeRun(7), moeRun(7)]);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const drop = await moeRun(7, { miss: 'drop' });
    expect((drop.metrics.gate_mass as Record<string, number>).dropped).toBeGreaterThan(0);
    expect(drop.metrics.tokens_per_s).toBeGreaterThan(a.metrics.tokens_per_s as number);
  });

  it('bad options fail with one line per problem, named as the caller wrote them', async () => {
    const run = simulate({ system: 'moe', policy: { miss: 'teleport' as never, cache_experts: -1 } });
    await expect(run).rejects.toThrow(ScenarioError);
    const e = (await run.catch((x: unknown) => x)) as ScenarioError;
    expect(e.problems.map((p) => p.path).sort()).toEqual(['policy.cache_experts', 'policy.miss']);
    expect(e.message).not.toContain('policies[0]');
    await expect(simulate({ system: 'moe', hardware: { gpu: 'tpu-v9' } })).rejects.toThrow("unknown GPU preset 'tpu-v9'");
  });
});

const editStudy: ScenarioObject<'edit'> = {
  name: 'api-edit',
  system: 'edit',
  seed: 3,
  hardware: { gpu: 'h800', gpus: 2 },
  model: { preset: 'sdxl' },
  workload: { generator: { requests: 60, rps: 0.5 } },
  policies: [
    { label: 'static', policy: { batching: 'static' } },
    { label: 'continuous', policy: { batching: 'continuous' } },
  ],
  sweep: { 'workload.generator.rps': [0.3, 0.6], 'policy.max_batch': [4] },
  report: { gantt: false },
};

describe('runScenario(object | file, options)', () => {
  it('runs every (point, policy) of a scenario object, as the CLI runner does', async () => {
    const r = await runScenario(editStudy, { jobs: 1 });
    expect(r.scenario).toMatchObject({ name: 'api-edit', system: 'edit', seed: 3 });
    expect(r.complete).toBe(true);
    expect(r.runs.map((x) => `${x.point}/${x.policy}`)).toEqual(['0/static', '0/continuous', '1/static', '1/continuous']);
    for (const run of r.runs) expect((run.metrics.requests as Record<string, number>).arrived).toBe(60);
  });

  it('does not see later changes to the object, and --seed/--set style overrides apply', async () => {
    const study = structuredClone(editStudy);
    const pending = runScenario(study, { jobs: 1, seed: 11, set: ['workload.generator.requests=40'] });
    study.policies.pop();
    const r = await pending;
    expect(r.scenario.seed).toBe(11);
    expect(r.runs).toHaveLength(4);
    expect((r.runs[0]!.metrics.requests as Record<string, number>).arrived).toBe(40);
  });

  it.skipIf(!existsSync('dist/src/scenario/worker.js'))('parallel jobs give the same results as serial ones', async () => {
    const [serial, parallel] = [await runScenario(editStudy, { jobs: 1 }), await runScenario(editStudy, { jobs: 2 })];
    expect(JSON.stringify(parallel.runs)).toBe(JSON.stringify(serial.runs));
  });

  it('runs a scenario file with overrides', async () => {
    const r = await runScenario('scenarios/quickstart.yaml', { jobs: 1, set: ['replications=1', 'workload.generator.requests=40'] });
    expect(r.scenario.name).toBe('quickstart');
    // 3 rates x 3 policies, one replication each.
    expect(r.runs).toHaveLength(9);
    expect(r.runs.every((x) => x.replications.length === 1 && (x.metrics.requests as Record<string, number>).arrived === 40)).toBe(true);
  });

  it('names the problems of a bad scenario object', async () => {
    await expect(runScenario({ ...editStudy, policies: [] }, { jobs: 1 })).rejects.toThrow("scenario 'api-edit' policies: expected at least 1 item");
    await expect(runScenario(editStudy, { registry: servesim.REGISTRY })).rejects.toThrow('registryModule');
  });
});

describe('runRows(results, metrics)', () => {
  it('one row per run with short sweep columns and dot-free metric columns', async () => {
    const r = await runScenario(editStudy, { jobs: 1 });
    const rows = runRows(r, ['latency_ms.p95', 'throughput_per_s']);
    expect(rows).toHaveLength(4);
    expect(Object.keys(rows[0]!)).toEqual(['policy', 'point', 'rps', 'max_batch', 'latency_ms_p95', 'throughput_per_s']);
    expect(rows[1]).toMatchObject({ policy: 'continuous', point: 0, rps: 0.3, max_batch: 4 });
    expect(rows[1]!.latency_ms_p95).toBe((r.runs[1]!.metrics.latency_ms as Record<string, number>).p95);
    expect(() => runRows(r, ['rps'])).toThrow("would overwrite the column 'rps'");
  });
});

describe('presets()', () => {
  it('lists hardware and each system model with a source', () => {
    const p = presets();
    expect(p.gpus.map((g) => g.name)).toEqual(expect.arrayContaining(['h100-sxm', 'rtx-4090', 'h800']));
    expect(Object.keys(p.systems).sort()).toEqual(['edit', 'moe', 't2i']);
    expect(p.systems.moe!.models.map((m) => m.name)).toContain('mixtral-8x7b-fp16');
    for (const row of [...p.gpus, ...p.hosts, ...p.links, ...Object.values(p.systems).flatMap((s) => s!.models)]) expect(row.source.length).toBeGreaterThan(0);
  });
});

describe('the public surface', () => {
  it('exports what notebooks and scripts use', () => {
    for (const name of ['simulate', 'runScenario', 'runRows', 'presets', 'REGISTRY', 'moeSystem', 'editSystem', 't2iSystem', 'moeTrace', 'editTrace', 't2iTrace', 'resolveHardware', 'GPUS', 'loadScenario', 'runPlan', 'writeOutputs', 'buildCharts', 'metricAt', 'knee', 'reach', 'crossings', 'textTable', 'lineSpec', 'chartSvg', 'chartBundle', 'WindowRecorder', 'InputError', 'ConfigError', 'servesimVersion']) {
      expect(servesim, name).toHaveProperty(name);
    }
    expect(servesim.resolveHardware({ gpu: 'rtx-4090' }).gpu.memoryBytes).toBe(24 * 2 ** 30);
  });
});
