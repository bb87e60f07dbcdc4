/**
 * Capacity search: the bisection on exact thresholds, and the whole search on a real system whose
 * answer is known in closed form. edit on one GPU with full compute and batches of one is an
 * M/D/1 queue (Poisson arrivals, every request the same deterministic service time D), whose mean
 * wait is Pollaczek-Khinchine's Wq = lambda D^2 / (2 (1 - lambda D)). The highest rate with
 * Wq <= W is lambda* = 2W / (D (D + 2W)); with W = D that is 2 / (3D) (utilisation 2/3).
 */
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/registry.js';
import { runCapacity, searchGpus, searchRate } from '../../src/scenario/capacity.js';
import { loadScenarioSource } from '../../src/scenario/load.js';
import { parseScenarioText } from '../../src/scenario/source.js';
import { parseSlo } from '../../src/scenario/slo.js';

const probeAt = (met: (x: number) => boolean) => async (value: number) => ({ replication: 0, value, met: met(value), metrics: {}, result: undefined as never });

describe('searchRate / searchGpus on exact thresholds', () => {
  it('continuous: brackets by doubling, then bisects to the tolerance', async () => {
    const out = await searchRate(probeAt((x) => x <= 3.7), { start: 1, min: 1 / 1024, max: 1024, tolerance: 0.02, integer: false });
    const v = out.replication.value!;
    expect(v).toBeLessThanOrEqual(3.7);
    expect(out.replication.bracket[1]! - v).toBeLessThanOrEqual(0.02 * v);
    expect(out.replication.bracket[1]!).toBeGreaterThan(3.7);
    expect(out.probes.slice(0, 3).map((p) => p.value)).toEqual([1, 2, 4]);
    expect(out.replication.status).toBe('found');
  });

  it('continuous from above: halves until met', async () => {
    const out = await searchRate(probeAt((x) => x <= 0.3), { start: 4, min: 4 / 1024, max: 4096, tolerance: 0.02, integer: false });
    expect(out.probes.slice(0, 5).map((p) => p.value)).toEqual([4, 2, 1, 0.5, 0.25]);
    expect(out.replication.value!).toBeLessThanOrEqual(0.3);
    expect(out.replication.value!).toBeGreaterThan(0.3 / 1.02);
  });

  it('integer: exact answer in a known number of runs', async () => {
    const out = await searchRate(probeAt((x) => x <= 37), { start: 1, min: 1, max: 1024, tolerance: 0.02, integer: true });
    expect(out.probes.map((p) => p.value)).toEqual([1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 38, 37]);
    expect(out.replication).toMatchObject({ value: 37, bracket: [37, 38], status: 'found', runs: 12 });
  });

  it('out of range both ways', async () => {
    const never = await searchRate(probeAt(() => false), { start: 4, min: 1, max: 64, tolerance: 0.02, integer: true });
    expect(never.replication).toMatchObject({ value: 0, status: 'below-range' });
    expect(never.probes.map((p) => p.value)).toEqual([4, 2, 1]);
    const always = await searchRate(probeAt(() => true), { start: 4, min: 1, max: 20, tolerance: 0.02, integer: true });
    expect(always.replication).toMatchObject({ value: 20, status: 'above-range' });
    expect(always.probes.map((p) => p.value)).toEqual([4, 8, 16, 20]);
  });

  it('gpus: fewest GPUs meeting the SLO', async () => {
    const out = await searchGpus(probeAt((g) => g >= 5), 1, 16);
    expect(out.probes.map((p) => p.value)).toEqual([16, 1, 8, 4, 6, 5]);
    expect(out.replication).toMatchObject({ value: 5, bracket: [4, 5], status: 'found' });
    expect((await searchGpus(probeAt(() => false), 1, 16)).replication).toMatchObject({ value: null, status: 'above-range', runs: 1 });
    expect((await searchGpus(probeAt(() => true), 2, 16)).replication).toMatchObject({ value: 2, runs: 2 });
  });
});

function md1Scenario(requests: number, replications: number, warmup = 200) {
  const text = `
name: md1
system: edit
seed: 11
replications: ${replications}
hardware: { gpu: h800, gpus: 1 }
model: { preset: sdxl }
workload:
  generator: { requests: ${requests}, rps: 1, templates: 1, steps: 10 }
policies:
  - label: fifo
    policy: { compute: full, batching: static, max_batch: 1, balance: round-robin }
warmup: { requests: ${warmup} }
`;
  return loadScenarioSource(parseScenarioText(text, 'md1.yaml'), '/tmp', { registry: REGISTRY }).plan;
}

describe('runCapacity on an M/D/1 queue (edit, 1 GPU, full compute, batches of one)', () => {
  it('finds the Pollaczek-Khinchine rate for a mean-wait SLO within its interval', async () => {
    // First the deterministic service time D: latency - queueing of any run.
    const plan = md1Scenario(6000, 8);
    const probe = await runCapacity(md1Scenario(50, 1, 0), { registry: REGISTRY, slos: [parseSlo('queue_ms.mean<=1e9')], metrics: ['latency_ms.max', 'latency_ms.p50'], jobs: 1, start: 0.01, max: 0.01 });
    const D = probe.capacity.policies[0]!.at_capacity['latency_ms.p50']!.mean / 1000;
    expect(probe.capacity.policies[0]!.at_capacity['latency_ms.max']!.mean / 1000).toBeCloseTo(D, 3); // no queueing at 0.01 req/s
    const W = D;
    const analytic = (2 * W) / (D * (D + 2 * W));
    const { capacity } = await runCapacity(plan, { registry: REGISTRY, slos: [parseSlo(`queue_ms.mean<=${W * 1000}`)], jobs: 1, tolerance: 0.01 });
    const v = capacity.policies[0]!.value!;
    expect(v.n).toBe(8);
    // The interval covers the analytic rate (widened by the bisection's own 1% resolution) and is
    // tight: a few percent of it, well below the saturation rate 1/D.
    expect(analytic).toBeGreaterThanOrEqual(v.lo * 0.99);
    expect(analytic).toBeLessThanOrEqual(v.hi * 1.01);
    expect(v.ci95 / v.mean).toBeLessThan(0.03);
    expect(v.hi).toBeLessThan(1 / D);
    expect(capacity.runs_spent).toBe(capacity.policies[0]!.probes.length);
    expect(capacity.policies[0]!.replications.every((r) => r.status === 'found')).toBe(true);
  });

  it('rejects an SLO on a metric the system does not report', async () => {
    await expect(runCapacity(md1Scenario(50, 1, 10), { registry: REGISTRY, slos: [parseSlo('latency_ms.p42<=1')], jobs: 1 })).rejects.toThrow(/--slo: this system reports no metric 'latency_ms.p42'/);
  });
});
