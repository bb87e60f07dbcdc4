/**
 * copy_stream: demand-compute (src/systems/moe/copy-stream.ts) - demand fetches on the compute
 * stream, prefetches on a copy stream. Hand-computed timelines, costs as in helpers.simpleHw:
 * attention 1 ms per layer, LM head 1 ms, a GPU expert 2 ms, a 10 MB expert over 1 GB/s = 10 ms.
 */
import { describe, expect, it } from 'vitest';
import { copyOnComputeStream } from '../../../src/systems/moe/copy-stream.js';
import { run, simpleHw, singleLayer, tinyModel, traceFile } from './helpers.js';

describe('copy_stream: demand-compute', () => {
  it('puts only demand copies on the compute stream', () => {
    expect([false, true].map((p) => copyOnComputeStream('demand-compute', p))).toEqual([true, false]);
    expect([false, true].map((p) => copyOnComputeStream('compute', p))).toEqual([true, true]);
    expect([false, true].map((p) => copyOnComputeStream('copy', p))).toEqual([false, false]);
  });

  it('a prefetch overlaps compute as on a copy stream', async () => {
    // Cache 2 holds {0, 1}; oracle prefetch of 2. Step 0: attention [0,1], expert 0 [1,3], the
    // prefetch [1,11] beside it, head [3,4]. Step 1: attention [4,5], waits for 2 till 11, expert
    // [11,13], head [13,14]. With copy_stream compute the copy would wait for expert 0: 18 ms.
    const policy = { cache_experts: 2, prefetch: 'oracle' };
    const trace = () => traceFile(singleLayer([0, 2]));
    const mixed = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: trace() }, policy: { ...policy, copy_stream: 'demand-compute' } });
    expect(mixed.simulatedSeconds).toBeCloseTo(0.014, 12);
    expect(mixed.metrics).toMatchObject({ stall_by_cause_ms: { in_flight: 3, copy_on_gpu: 0 } });
    const compute = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: trace() }, policy: { ...policy, copy_stream: 'compute' } });
    expect(compute.simulatedSeconds).toBeCloseTo(0.018, 12);
  });

  it('a demand fetch holds the compute stream: its time is copy_on_gpu, not missing', async () => {
    // Cache of 1, experts 0 then 1, no prefetch. Step 1: attention [4,5], the fetch holds the
    // stream [5,15], expert [15,17], head [17,18]: 10 ms of copy over 2 tokens.
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: traceFile(singleLayer([0, 1])) }, policy: { cache_experts: 1, copy_stream: 'demand-compute' } });
    expect(out.simulatedSeconds).toBeCloseTo(0.018, 12);
    expect(out.metrics).toMatchObject({ stall_ms: 5, stall_by_cause_ms: { copy_on_gpu: 5, missing: 0 } });
  });
});
