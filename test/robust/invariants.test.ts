/**
 * The modelling invariants (docs/robustness.md), broken on purpose inside real runs of the
 * shipped systems (a component patched to misbehave, as a bug in a model or policy would) and
 * caught by the checks every run makes: time never goes back, memory never above capacity, a
 * link never faster than its bandwidth, and conservation (arrived = completed + rejected + in
 * flight, in flight counted where the requests are). Plus the positive side: real runs that reject requests still conserve them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Env } from '../../src/engine/env.js';
import { TimerHeap } from '../../src/engine/heap.js';
import { Link } from '../../src/engine/link.js';
import { MemoryPool } from '../../src/engine/memory.js';
import { InvariantError, MemoryError } from '../../src/errors.js';
import { RequestMetrics } from '../../src/metrics/requests.js';
import { REGISTRY } from '../../src/registry.js';
import { runPlan } from '../../src/scenario/runner.js';
import type { Registry } from '../../src/scenario/types.js';
import type { SystemModule } from '../../src/systems/types.js';
import { planOf } from './scenario-helpers.js';

const MOE = `name: inv-moe
system: moe
hardware: { gpu: h100-pcie }
model: { preset: mixtral-8x7b-fp16 }
workload: { generator: { tokens: 300, request_tokens: 100 } }
policies:
  - label: lru
    policy: { cache_experts: 64, prefetch: previous-token }
`;
const EDIT = `name: inv-edit
system: edit
hardware: { gpu: h800, gpus: 2 }
workload: { generator: { requests: 200, rps: 2 } }
policies:
  - label: pipeline
    policy: { loading: pipeline }
`;
const T2I = `name: inv-t2i
system: t2i
hardware: { gpu: h800, gpus: 2 }
workload: { generator: { requests: 80, rps: 0.5 } }
policies:
  - label: merge
    policy: { application: merge, gpu_cache_gib: 2 }
`;

const run = (text: string, registry: Registry = REGISTRY) => runPlan(planOf(text, registry), { registry, jobs: 1 });

afterEach(() => vi.restoreAllMocks());

describe('invariants broken on purpose are caught', () => {
  it('time never goes back: a timer moved into the past is caught when it fires (moe run)', async () => {
    const push = TimerHeap.prototype.push;
    let n = 0;
    vi.spyOn(TimerHeap.prototype, 'push').mockImplementation(function (this: TimerHeap, t) {
      if (++n === 5000) t.time -= 10; // a bug that computes a completion time 10 s too early
      return push.call(this, t);
    });
    await expect(run(MOE)).rejects.toThrow(InvariantError);
    await expect(run(MOE)).resolves.toBeDefined(); // only the 5000th push was broken
  });

  it('time never goes back: scheduling into the past is refused (edit run)', async () => {
    const schedule = Env.prototype.schedule;
    let n = 0;
    vi.spyOn(Env.prototype, 'schedule').mockImplementation(function (this: Env, delay, fn) {
      return schedule.call(this, ++n === 150 ? -1e-3 : delay, fn); // an edit run of 200 requests calls schedule() ~200 times
    });
    await expect(run(EDIT)).rejects.toThrow(/cannot schedule -0.001 s into the past/);
  });

  it('memory never above capacity: a cache that leaks (never frees) hits the pool limit (t2i run)', async () => {
    vi.spyOn(MemoryPool.prototype, 'release').mockReturnValue(0);
    // ~400 MiB per LoRA load that is never given back: 300 requests overflow an 80 GB GPU.
    const err = await run(T2I.replace('requests: 80', 'requests: 300')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryError);
    expect((err as Error).message).toMatch(/^memory gpu\d+ hbm: allocating .* would exceed capacity/);
  });

  it('a link never faster than its bandwidth: over-generous rate shares are caught (moe and edit runs)', async () => {
    const assign = (Link.prototype as any).assignRates as () => void;
    vi.spyOn(Link.prototype as any, 'assignRates').mockImplementation(function (this: any) {
      assign.call(this);
      for (const t of this.active) t.rate *= 1.5; // shares sum to 1.5x bandwidth
    });
    await expect(run(MOE)).rejects.toThrow(/link .*: rates sum to .* above bandwidth/);
    await expect(run(EDIT)).rejects.toThrow(/link .*: rates sum to .* above bandwidth/);
  });

  it('conservation: a request that vanishes (completed but never counted) is caught (edit and t2i runs)', async () => {
    const complete = RequestMetrics.prototype.onComplete;
    let n = 0;
    vi.spyOn(RequestMetrics.prototype, 'onComplete').mockImplementation(function (this: RequestMetrics, ...args) {
      if (++n === 7) return false; // lost: neither completed, rejected nor in flight
      return complete.apply(this, args);
    });
    await expect(run(EDIT)).rejects.toThrow(/requests not conserved: arrived 200 != completed 199 \+ rejected 0 \+ in flight 0/);
    n = 0;
    await expect(run(T2I)).rejects.toThrow(/requests not conserved: arrived 80 != completed 79 \+ rejected 0 \+ in flight 0/);
  });

  it('conservation: a system reporting impossible counts is caught (moe run)', async () => {
    const moe = REGISTRY.systems.moe as SystemModule;
    const broken: Registry = { ...REGISTRY, systems: { ...REGISTRY.systems, moe: { ...moe, simulate: async (i) => ({ ...(await moe.simulate(i)), conservation: { arrived: 3, completed: 3, rejected: 0, inFlight: 1 } }) } } };
    await expect(run(MOE, broken)).rejects.toThrow(/requests not conserved: arrived 3 != completed 3 \+ rejected 0 \+ in flight 1/);
  });
});

describe('conservation holds in real runs that reject or cut requests', () => {
  it('edit: requests too large for the GPU are rejected with a reason and counted', async () => {
    const text = EDIT.replace('workload: { generator: { requests: 200, rps: 2 } }', 'workload: { generator: { requests: 60, rps: 2, width: 8192, height: 8192 } }');
    const out = await run(text);
    const c = out.results.runs[0]!;
    const m = c.metrics as Record<string, any>;
    expect(m.requests.arrived).toBe(60);
    expect(m.requests.rejected).toBe(60);
    expect(m.requests.completed).toBe(0);
  });

  it('t2i: requests above the workspace size are rejected as above_max_pixels', async () => {
    const text = T2I.replace('workload: { generator: { requests: 80, rps: 0.5 } }', 'model: { preset: sdxl, max_pixels: 1000000 }\nworkload: { generator: { requests: 40, rps: 0.5 } }');
    const out = await run(text);
    const m = out.results.runs[0]!.metrics as Record<string, any>;
    expect(m.requests.arrived).toBe(40);
    expect(m.requests.rejected).toBe(40);
    expect(JSON.stringify(m)).toMatch(/above_max_pixels/);
  });
});
