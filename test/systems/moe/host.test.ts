/**
 * Host time against GPU work (src/systems/moe/host.ts). Costs as in mechanisms.test.ts: attention
 * 1 ms a layer, LM head 1 ms a step, a GPU expert 2 ms (+1 ms a further token), an expert copy
 * 10 MB at 1 GB/s = 10 ms. Host: 3 ms a layer, 0.5 ms an expert, 0.5 ms a step.
 */
import { describe, expect, it } from 'vitest';
import { jobSeconds } from '../../../src/systems/moe/host.js';
import { MS, run, simpleHw, singleLayer, tinyModel, traceFile } from './helpers.js';

const host = { layer_overhead_ms: 3, expert_overhead_ms: 0.5, step_overhead_ms: 0.5 };

describe('jobSeconds', () => {
  it('serial adds, overlapped takes the longer', () => {
    expect(jobSeconds(2, 0.5, 'serial')).toBe(2.5);
    expect(jobSeconds(2, 0.5, 'overlapped')).toBe(2);
    expect(jobSeconds(1, 3, 'overlapped')).toBe(3);
  });
});

describe('host time on the timeline', () => {
  const step = (mode: string, experts = [0]) =>
    run({ hardware: simpleHw(), model: { ...tinyModel(), ...host, host_overlap: mode }, workload: { trace: traceFile(singleLayer(experts)) }, policy: { cache_experts: 1 } });

  it('serial: layer 1 + 3, expert 2 + 0.5, head 1 + 0.5 = 8 ms', async () => {
    expect((await step('serial')).simulatedSeconds).toBeCloseTo(8 * MS, 12);
  });

  it('overlapped: max(1, 3) + max(2, 0.5), the step host work in series after its sync: 1 + 0.5 = 6.5 ms', async () => {
    expect((await step('overlapped')).simulatedSeconds).toBeCloseTo(6.5 * MS, 12);
  });

  it('overlapped, a miss: the fetch (10 ms) still stalls; the expert job after it is max(2, 0.5)', async () => {
    // Expert 1 is not resident (cache holds 0): layer 3, fetch 10 (demand stream, after the gate), expert 2, head 1 + step 0.5 = 16.5 ms.
    expect((await step('overlapped', [1])).simulatedSeconds).toBeCloseTo(16.5 * MS, 12);
  });

  it('host_time_scale 2 doubles every host term: serial (1 + 6) + (2 + 1) + (1 + 1) = 12 ms, overlapped 6 + 2 + (1 + 1) = 10 ms', async () => {
    const go = (mode: string) =>
      run({ hardware: simpleHw(), model: { ...tinyModel(), ...host, host_overlap: mode, host_time_scale: 2 }, workload: { trace: traceFile(singleLayer([0])) }, policy: { cache_experts: 1 } });
    expect((await go('serial')).simulatedSeconds).toBeCloseTo(12 * MS, 12);
    expect((await go('overlapped')).simulatedSeconds).toBeCloseTo(10 * MS, 12);
  });

  it('the default is serial (what the scenarios without host_overlap ran before)', async () => {
    const out = await run({ hardware: simpleHw(), model: { ...tinyModel(), ...host }, workload: { trace: traceFile(singleLayer([0])) }, policy: { cache_experts: 1 } });
    expect(out.simulatedSeconds).toBeCloseTo(8 * MS, 12);
  });
});
