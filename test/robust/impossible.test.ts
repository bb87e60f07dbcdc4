/**
 * Configurations that can never run are errors before the first simulated event, located in the
 * scenario: a model whose resident set cannot fit the GPU, a cache larger than the memory it lives
 * in, a batch (or one request) that cannot fit, a link of zero bandwidth, for each system. The
 * loader's pre-flight (SystemModule.check) finds them for every sweep point and policy, so a
 * sweep fails before running its first point; simulate() makes the same checks itself.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Env } from '../../src/engine/env.js';
import { Link } from '../../src/engine/link.js';
import { ConfigError, InvariantError } from '../../src/errors.js';
import { REGISTRY } from '../../src/registry.js';
import { prepareInput } from '../../src/scenario/execute.js';
import { jobsOf } from '../../src/scenario/plan.js';
import { runPlan } from '../../src/scenario/runner.js';
import type { Registry } from '../../src/scenario/types.js';
import type { SystemModule } from '../../src/systems/types.js';
import { planOf, problemsOf } from './scenario-helpers.js';

const scenario = (system: string, parts: string, policy = '{}') => `name: impossible
system: ${system}
${parts}
policies:
  - label: p
    policy: ${policy}
`;
const MOE = 'model: { preset: mixtral-8x7b-fp16 }\nworkload: { generator: { tokens: 50 } }';
const EDIT = 'workload: { generator: { requests: 20 } }';
const T2I = 'workload: { generator: { requests: 20 } }';

/** Exactly one problem, on `line`, at `path`, saying `says`. */
function expectOne(text: string, line: number, path: string, says: RegExp): void {
  const p = problemsOf(text);
  expect(p, text).toHaveLength(1);
  expect(p[0]).toMatch(new RegExp(`^s\\.yaml:${line} ${path.replace(/[.[\]]/g, '\\$&')}: `));
  expect(p[0]).toMatch(says);
}

describe('a model whose resident set cannot fit the GPU', () => {
  it('moe: resident weights + KV + workspace leave no room for one expert', () => {
    expectOne(scenario('moe', MOE.replace('preset: mixtral-8x7b-fp16', 'preset: mixtral-8x7b-fp16, resident_gib: 79')), 3, 'model.resident_gib', /leave 0 B, not room for one expert of 336\.00 MiB/);
  });
  it('edit: the weights plus one request exceed the GPU', () => {
    expectOne(scenario('edit', `hardware: { gpu: h800, memory_gib: 8 }\n${EDIT}`), 3, 'hardware.memory_gib', /does not fit on .*: weights .* \+ one request .* > 8\.00 GiB/);
  });
  it('t2i: base weights, workspace and caches exceed the serving GPU', () => {
    expectOne(scenario('t2i', `model: { preset: sdxl, base_gib: 90 }\n${T2I}`), 3, 'model.base_gib', /serving GPU memory .* cannot hold base weights 90\.00 GiB/);
  });
});

describe('a cache larger than the memory it lives in', () => {
  it('moe: an expert cache beyond the GPU memory left', () => {
    expectOne(scenario('moe', MOE, '{ cache_experts: 250 }'), 7, 'policies[0].policy.cache_experts', /an expert cache of 250 experts needs .* \(at most \d+ experts\)/);
  });
  it('edit: a host cache larger than host memory', () => {
    expectOne(scenario('edit', EDIT, '{ host_cache_gib: 100000 }'), 6, 'policies[0].policy.host_cache_gib', /host_cache_gib 100000 is larger than the memory of/);
  });
  it('t2i: a GPU LoRA cache larger than the GPU, and a host cache larger than the host', () => {
    expectOne(scenario('t2i', T2I, '{ gpu_cache_gib: 500 }'), 6, 'policies[0].policy.gpu_cache_gib', /serving GPU memory .* cannot hold .*LoRA cache 500\.00 GiB/);
    expectOne(scenario('t2i', T2I, '{ host_cache_gib: 100000 }'), 6, 'policies[0].policy.host_cache_gib', /host memory .* cannot hold LoRA cache 97\.66 TiB/);
  });
});

describe('a batch that cannot fit', () => {
  it('moe: the KV cache of the batch fills the GPU', () => {
    expectOne(scenario('moe', MOE, '{ batch_size: 256 }'), 7, 'policies[0].policy.batch_size', /kv cache 128\.00 GiB/);
  });
  it('edit: one request at the model resolution (16384^2) cannot fit beside the weights', () => {
    expectOne(scenario('edit', `model: { preset: sdxl, width: 16384, height: 16384 }\n${EDIT}`), 3, 'model.width', /does not fit on .*one request/);
  });
  it('t2i: the workspace reserved for the largest image cannot fit', () => {
    expectOne(scenario('t2i', `model: { preset: sdxl, max_pixels: 400000000 }\n${T2I}`), 3, 'model.max_pixels', /serving GPU memory .* cannot hold .*workspace/);
  });
  it('t2i: parallel ControlNets need more GPUs than there are', () => {
    expectOne(scenario('t2i', `hardware: { gpus: 1 }\n${T2I}`, '{ controlnet: parallel }'), 7, 'policies[0].policy.controlnet_gpus', /needs 2 GPUs per worker .* hardware.gpus is 1/);
  });
});

describe('a link of zero bandwidth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'servesim-impossible-'));
  const profile = {
    servesim_profile: 1,
    created: '2026-01-01T00:00:00Z',
    adapter: { vendor: 'v', architecture: 'a', device: 'd', description: 'x' },
    features: [],
    timing: 'wall-clock',
    samples: [],
    ops: {},
    links: { h2d: { bandwidth: 0, latency_s: 1e-5 } },
    overlap: 1,
  };
  writeFileSync(join(dir, 'zero.json'), JSON.stringify(profile, null, 2));

  it.each([
    ['moe', MOE],
    ['edit', EDIT],
    ['t2i', T2I],
  ])('%s: a calibrated PCIe link of bandwidth 0 is refused at load, naming the profile line', (system, parts) => {
    const p = problemsOf(scenario(system, `hardware: { profile: zero.json }\n${parts}`), dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^s\.yaml:3 hardware\.profile: .*zero\.json:\d+ field 'links\.h2d\.bandwidth': Too small: expected number to be >0, got 0$/);
  });

  it.each(['moe', 'edit', 't2i'] as const)('%s: simulate() with a zero-bandwidth link is a ConfigError before any event', async (system) => {
    const parts = { moe: MOE, edit: EDIT, t2i: T2I }[system];
    const plan = planOf(scenario(system, parts));
    const sys = REGISTRY.systems[system] as SystemModule;
    const input = prepareInput(sys, plan, jobsOf(plan)[0]!);
    input.hardware = { ...input.hardware, pcie: { ...input.hardware.pcie, bandwidth: 0 } };
    const progress = vi.fn();
    input.onProgress = progress;
    const run = vi.spyOn(Env.prototype, 'run');
    await expect(sys.simulate(input)).rejects.toThrow(ConfigError);
    await expect(sys.simulate(input)).rejects.toThrow(/bandwidth must be a positive number of bytes\/s, got 0/);
    expect(run).not.toHaveBeenCalled();
    expect(progress).not.toHaveBeenCalled();
    run.mockRestore();
  });

  it('Link(env, name, { bandwidth: 0 }) refuses to exist', () => {
    expect(() => new Link(new Env(), 'pcie', { bandwidth: 0 })).toThrow(/link pcie: bandwidth must be a positive number of bytes\/s, got 0/);
    expect(() => new Link(new Env(), 'pcie', { bandwidth: NaN })).toThrow(ConfigError);
  });
});

describe('found for every sweep point before any run', () => {
  it('a sweep whose last point cannot fit fails at load, at the sweep line, naming the value; nothing runs', () => {
    const text = `${scenario('moe', MOE, '{ cache_experts: 64 }')}sweep:\n  policy.cache_experts: [64, 128, 250]\n`;
    const p = problemsOf(text);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^s\.yaml:9 policies\[0\]\.policy\.cache_experts: .*: an expert cache of 250 experts .* \(policy 'p' at policy\.cache_experts=250\)$/);
  });

  it('simulate() is never called for a scenario that fails pre-flight', async () => {
    const moe = REGISTRY.systems.moe as SystemModule;
    const simulate = vi.fn(moe.simulate);
    const spied: Registry = { ...REGISTRY, systems: { ...REGISTRY.systems, moe: { ...moe, simulate } } };
    expect(() => planOf(scenario('moe', MOE, '{ cache_experts: 250 }'), spied)).toThrow(/cache_experts/);
    expect(simulate).not.toHaveBeenCalled();
  });
});

describe('the livelock watchdog', () => {
  it('a model that keeps scheduling at one instant fails the run with an InvariantError (runner path)', async () => {
    const edit = REGISTRY.systems.edit as SystemModule;
    // A policy bug: a request re-queues itself at the same instant forever.
    const livelock: SystemModule = {
      ...edit,
      check: undefined,
      async simulate() {
        const env = new Env({ maxEventsPerInstant: 100_000 });
        const spin = () => void env.schedule(0, spin);
        env.schedule(1, spin);
        env.run();
        throw new Error('unreachable');
      },
    };
    const registry: Registry = { ...REGISTRY, systems: { ...REGISTRY.systems, edit: livelock } };
    const t0 = Date.now();
    const err = await runPlan(planOf(scenario('edit', EDIT), registry), { registry, jobs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvariantError);
    expect((err as Error).message).toBe('no simulated progress: more than 100000 events at t=1 s (livelock in a model or policy)');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
