/**
 * Hand-computed timelines on tiny traces. Costs (helpers.simpleHw): attention 1 ms per layer, LM
 * head 1 ms per step, a GPU expert 2 ms (+1 ms per extra token), a 10 MB expert over 1 GB/s = 10 ms,
 * link latency 0. A decode step that hits is 1 + 2 + 1 = 4 ms; one demand fetch adds 10 ms.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { dir, run, simpleHw, singleLayer, tinyModel, traceFile } from './helpers.js';


describe('moe timelines (1 layer, top-1)', () => {
  it('cache of 1: every expert change costs one transfer, and only that', async () => {
    const trace = traceFile(singleLayer([0, 0, 1, 1, 2, 0, 0, 3]));
    const rec = new WindowRecorder();
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1 }, extra: { trace: rec } });
    // 4 hits x 4 ms + 4 misses x 14 ms = 72 ms
    expect(out.metrics).toMatchObject({
      tokens_per_s: 111.111,
      tpot_ms: { mean: 9, p50: 9, p99: 14 },
      stall_ms: 5,
      hit_rate: 0.5,
      pcie_bytes: 4e7,
      pcie_busy: 0.555556,
      gpu_busy: 0.444444,
      gate_mass: { exact: 1, substituted: 0, cpu: 0, dropped: 0 },
    });
    expect(out.simulatedSeconds).toBeCloseTo(0.072, 12);
    const fetches = rec.slices.filter((s) => s.track === 'pcie h2d');
    // Steps: [0,4] hit, [4,8] hit, [8,22] fetch at the gate (9), [22,26], [26,40] fetch at 27,
    // [40,54] fetch at 41, [54,58], [58,72] fetch at 59.
    expect(fetches.map((s) => [s.start * 1e3, s.end * 1e3, s.args?.expert, s.args?.decision, s.args?.bytes])).toEqual(
      [
        [9, 19, 1],
        [27, 37, 2],
        [41, 51, 0],
        [59, 69, 3],
      ].map(([a, b, e]) => [expect.closeTo(a!, 9), expect.closeTo(b!, 9), e, 'fetch', 1e7]),
    );
    expect(out.conservation).toEqual({ arrived: 1, completed: 1, rejected: 0, inFlight: 0 });
  });

  it('a prefetch that lands in time hides the transfer', async () => {
    // Step 0: attention [0,1], expert 0 [1,3], oracle prefetch of expert 2 [1,4] (evicts 1), LM head [3,4].
    // Step 1: gate at 5 finds expert 2 resident: 4 ms, no stall.
    const trace = traceFile(singleLayer([0, 2]));
    const out = await run({ hardware: simpleHw(1e7 / 0.003), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, prefetch: 'oracle' } });
    expect(out.latencyCdf.at(-1)!.value).toBeCloseTo(4, 9);
    expect(out.metrics).toMatchObject({ stall_ms: 0, hit_rate: 1, prefetch_precision: 1, prefetch_recall: 1, pcie_bytes: 1e7, tokens_per_s: 250 });
  });

  it('a late prefetch hides part of the transfer', async () => {
    // The prefetch runs [1,11]; step 1's gate at 5 waits until 11: expert [11,13], LM head [13,14].
    const trace = traceFile(singleLayer([0, 2]));
    const late = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, prefetch: 'oracle' } });
    expect([late.latencyCdf[0]!.value, late.latencyCdf.at(-1)!.value]).toEqual([expect.closeTo(4, 9), expect.closeTo(10, 9)]);
    expect(late.metrics).toMatchObject({ tpot_ms: { mean: 7 }, stall_ms: 3, hit_rate: 0.5, late_prefetch_rate: 0.5, prefetch_precision: 1 });
    // Without the prefetch step 1 is 14 ms with a 10 ms stall.
    const none = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2 } });
    expect(none.metrics).toMatchObject({ tpot_ms: { mean: 9 }, stall_ms: 5 });
  });

  it('fallbacks do not wait for a late prefetch unless it lands within wait_ms', async () => {
    // As above, expert 2 is still loading at step 1's gate (5 ms; lands at 11): drop it, 1 + 1 ms.
    const trace = traceFile(singleLayer([0, 2]));
    const policy = { cache_experts: 2, prefetch: 'oracle', miss: 'drop' };
    const drop = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy });
    expect(drop.metrics).toMatchObject({ tpot_ms: { mean: 3 }, hit_rate: 0.5, late_prefetch_rate: 0, gate_mass: { exact: 0.5, dropped: 0.5 } });
    const wait = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { ...policy, wait_ms: 6.5 } });
    expect(wait.metrics).toMatchObject({ tpot_ms: { mean: 7 }, late_prefetch_rate: 0.5, gate_mass: { exact: 1, dropped: 0 } });
  });

  it('cpu fallback: activations cross PCIe both ways around a 5 ms CPU expert', async () => {
    const trace = traceFile(singleLayer([0, 1]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, miss: 'cpu', cpu_when: 'always' } });
    const act = 4096 * 2; // one token's fp16 hidden state
    const step1 = 1 + (act / 1e9) * 1e3 + 5 + (act / 1e9) * 1e3 + 1;
    expect(out.simulatedSeconds * 1e3).toBeCloseTo(4 + step1, 9);
    expect(out.metrics).toMatchObject({ pcie_bytes: act, gate_mass: { exact: 0.5, substituted: 0, cpu: 0.5, dropped: 0 } });
    // Fiddler's rule: the CPU (5 ms) beats a 10 ms fetch, but not a 1 ms one.
    const fast = await run({ hardware: simpleHw(1e10), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, miss: 'cpu' } });
    expect(fast.metrics).toMatchObject({ gate_mass: { exact: 1, cpu: 0 }, pcie_bytes: 1e7 });
  });

  it('drop: the layer runs without the expert and its gate mass is lost', async () => {
    const trace = traceFile(singleLayer([0, 1, 0]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, miss: 'drop' } });
    expect(out.simulatedSeconds * 1e3).toBeCloseTo(4 + 2 + 4, 9);
    expect(out.metrics).toMatchObject({ pcie_bytes: 0, hit_rate: 0.666667, gate_mass: { exact: 0.666667, dropped: 0.333333 } });
  });

  it('lowbit: a 2-bit copy (2.25/16 of the bytes) crosses instead and is not cached', async () => {
    const trace = traceFile(singleLayer([0, 1, 1]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, miss: 'lowbit' } });
    const t = (1e7 * 2.25) / 16 / 1e9;
    expect(out.simulatedSeconds).toBeCloseTo(0.004 + 2 * (0.004 + t), 12);
    expect(out.metrics).toMatchObject({ pcie_bytes: 2 * 1e7 * (2.25 / 16), gate_mass: { exact: 0.333333, substituted: 0.666667 } });
  });

  it('buddy: a resident similar expert computes instead; nothing crosses PCIe', async () => {
    const matrix = join(dir, 'sim.json');
    // 2 is like 1, 3 is like 0; experts 0 and 1 are resident.
    writeFileSync(matrix, JSON.stringify({ similarity: [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]] }));
    const trace = traceFile(singleLayer([2, 3, 2, 0]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, miss: 'buddy', buddy_matrix: 'sim.json' } });
    expect(out.simulatedSeconds).toBeCloseTo(0.016, 12);
    expect(out.metrics).toMatchObject({ pcie_bytes: 0, hit_rate: 0.25, gate_mass: { exact: 0.25, substituted: 0.75 } });
    // The confidence gate: a weight-1 expert is above gate_max_weight 0.5, so it is fetched.
    const gated = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, miss: 'buddy', buddy_matrix: 'sim.json', gate_max_weight: 0.5 } });
    expect(gated.metrics).toMatchObject({ gate_mass: { exact: 1, substituted: 0 } });
  });

  it('batched decode: experts are the union over the batch, shared experts run once on more tokens', async () => {
    // Step 1: both tokens use expert 0 (hit): 1 + 3 (2 tokens) + 1 = 5 ms.
    // Step 2: experts 2 and 3 both miss: fetch 2 [6,16], compute [16,18]; fetch 3 [16,26], compute [26,28]; LM head [28,29].
    const trace = traceFile([...singleLayer([0, 2], 0), ...singleLayer([0, 3], 1)]);
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, batch_size: 2 } });
    expect(out.simulatedSeconds).toBeCloseTo(0.029, 12);
    expect(out.metrics).toMatchObject({ tpot_ms: { mean: 14.5, p50: 14.5 }, hit_rate: 0.333333, pcie_bytes: 2e7, tokens_per_s: 137.931 });
    expect(out.conservation).toEqual({ arrived: 2, completed: 2, rejected: 0, inFlight: 0 });
  });

  it('a prefill row (more experts than top-k) runs first and sets the time to first token', async () => {
    // Prefill of 4 prompt tokens over experts 0|1|2 (1 token each): 1 + 3 x 2 + 1 = 8 ms; then a 4 ms decode step.
    const trace = traceFile([
      [0, 0, 0, '0|1|2'],
      [0, 1, 0, '0'],
    ]);
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace, prompt_tokens: 4 }, policy: { cache_experts: 4 } });
    expect(out.metrics).toMatchObject({ ttft_ms: { mean: 8 }, tpot_ms: { mean: 4 }, decode_tokens: 1, gate_mass: { exact: 1 } });
  });

  it('requests arrive at their arrival_s; the GPU idles in between', async () => {
    const trace = traceFile([
      [0, 0, 0, '0', '', '', 0],
      [1, 0, 0, '0', '', '', 1.0],
    ]);
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1 } });
    expect(out.simulatedSeconds).toBeCloseTo(1.004, 12);
    expect(out.metrics).toMatchObject({ ttft_ms: { mean: 4, p99: 4 }, tokens_per_s: 1.99203 });
    expect(out.conservation).toEqual({ arrived: 2, completed: 2, rejected: 0, inFlight: 0 });
  });
});
