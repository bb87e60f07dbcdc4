/**
 * swap: in-order (src/systems/moe/swap.ts) - the copy-back queued behind the load on the same
 * stream, as mixtral-offloading's ExpertCache._swap issues both copies. Hand-computed timelines,
 * costs as in helpers.simpleHw: attention 1 ms per layer, LM head 1 ms, a GPU expert 2 ms, a 10 MB
 * expert over 1 GB/s = 10 ms each way, latency 0.
 */
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { run, simpleHw, singleLayer, tinyModel, traceFile } from './helpers.js';

const ms = (s: number) => s * 1e3;
const d2hSlices = (rec: WindowRecorder) => rec.slices.filter((s) => s.track === 'pcie d2h').map((s) => [ms(s.start), ms(s.end)]);

describe('swap: in-order', () => {
  it('a demand miss: load [5,15], then the copy-back [15,25]; the expert runs after both', async () => {
    // Cache of 1, experts 0 then 1. Step 0 [0,4]; step 1: attention [4,5], the gate at 5 evicts 0:
    // H2D [5,15], D2H [15,25], expert [25,27], head [27,28].
    const rec = new WindowRecorder();
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: traceFile(singleLayer([0, 1])) }, policy: { cache_experts: 1, swap: 'in-order' }, extra: { trace: rec } });
    expect(out.simulatedSeconds).toBeCloseTo(0.028, 12);
    expect(d2hSlices(rec)).toEqual([[expect.closeTo(15, 9), expect.closeTo(25, 9)]]);
    expect(out.metrics).toMatchObject({ stall_by_cause_ms: { missing: 10 } });
  });

  it('on the compute stream both copies hold it (swap before leaves the copy-back off the stream)', async () => {
    // Cache 2 holds {0, 1}; oracle prefetch of 2 for step 1 evicts 1.
    const trace = () => traceFile(singleLayer([0, 2]));
    const policy = { cache_experts: 2, prefetch: 'oracle', copy_stream: 'compute' };
    // in-order: expert 0 [1,3]; the prefetch takes the compute stream: H2D [3,13], D2H [13,23];
    // head [23,24]. Step 1: attention [24,25], expert 2 resident [25,27], head [27,28].
    const rec = new WindowRecorder();
    const inOrder = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: trace() }, policy: { ...policy, swap: 'in-order' }, extra: { trace: rec } });
    expect(inOrder.simulatedSeconds).toBeCloseTo(0.028, 12);
    expect([inOrder.latencyCdf[0]!.value, inOrder.latencyCdf.at(-1)!.value]).toEqual([expect.closeTo(4, 9), expect.closeTo(24, 9)]);
    expect(d2hSlices(rec)).toEqual([[expect.closeTo(13, 9), expect.closeTo(23, 9)]]);
    // 20 ms of copies on the compute stream over 2 tokens.
    expect(inOrder.metrics).toMatchObject({ stall_by_cause_ms: { copy_on_gpu: 10 } });
    // before: D2H [1,11] off the stream while expert 0, the head and step 1's attention run
    // ([1,5]); the load then holds the stream [11,21]; expert 2 [21,23], head [23,24].
    const before = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: trace() }, policy: { ...policy, swap: 'before' } });
    expect(before.simulatedSeconds).toBeCloseTo(0.024, 12);
  });
});
