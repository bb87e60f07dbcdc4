/**
 * Hand-computed timelines for the copy mechanisms, the metrics that split hits from in-flight
 * experts, eviction variants, quantised expert sizes and measured-cost overrides. Costs as in
 * timeline.test.ts (helpers.simpleHw): attention 1 ms per layer, LM head 1 ms per step, a GPU
 * expert 2 ms (+1 ms per extra token), a 10 MB expert over 1 GB/s = 10 ms, latency 0.
 */
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { QUANT_SCHEMES, quantisedBytes } from '../../../src/systems/moe/quant.js';
import { MS, run, simpleHw, singleLayer, tinyModel, traceFile } from './helpers.js';

const ms = (s: number) => s * 1e3;

/** End of the first LM head on the GPU: when the first decode step finished, ms. */
function firstStepEnd(rec: WindowRecorder): number {
  return ms(rec.slices.find((s) => s.track === 'gpu' && s.name === 'lm_head')!.end);
}

describe('hit_rate vs covered_rate, stall causes, prefetch precision', () => {
  it('a late prefetch is covered but not a hit; its wait is in_flight stall', async () => {
    // Step 0 [0,4] hits expert 0 and prefetches 2 over [1,11]; step 1's gate at 5 waits for it
    // until 11 (6 ms of idle GPU), then expert [11,13], head [13,14]. Mean stall per token: 3 ms.
    const trace = traceFile(singleLayer([0, 2]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, prefetch: 'oracle' } });
    expect(out.metrics).toMatchObject({ hit_rate: 0.5, covered_rate: 1, stall_ms: 3, stall_by_cause_ms: { in_flight: 3, missing: 0, cpu: 0 } });
  });

  it('a demand fetch is missing stall, and the causes sum to the stall', async () => {
    // Cache of 1, experts 0 0 1 1 2 0 0 3: four 10 ms fetches over 8 tokens = 5 ms per token.
    const trace = traceFile(singleLayer([0, 0, 1, 1, 2, 0, 0, 3]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1 } });
    expect(out.metrics).toMatchObject({ hit_rate: 0.5, covered_rate: 0.5, stall_ms: 5, stall_by_cause_ms: { in_flight: 0, missing: 5, cpu: 0 } });
  });

  it('cpu fallback waits are cpu stall', async () => {
    // Step 1 idles for 2 x 8.192 us of activations and the 5 ms CPU expert; 2 tokens.
    const trace = traceFile(singleLayer([0, 1]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, miss: 'cpu', cpu_when: 'always' } });
    const idle = 5 + 2 * ((4096 * 2) / 1e9) * 1e3;
    const by = out.metrics.stall_by_cause_ms as Record<string, number>;
    expect(by.cpu).toBeCloseTo(idle / 2, 4);
    expect(by.missing).toBe(0);
  });

  it('prefetch precision counts only prefetches issued after the warm-up (never above 1)', async () => {
    // Oracle, cache 2, experts 0 2 3, warm-up 1 token. Step 0 (warm-up) prefetches 2; step 1 uses
    // it and prefetches 3 (the only prefetch issued while measuring); step 2 uses 3.
    // Before the fix: 2 covered / 1 issued = 2.
    const trace = traceFile(singleLayer([0, 2, 3]));
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 2, prefetch: 'oracle' }, warmup: { tokens: 1 } });
    // Step 1: gate 5, 2 lands at 11; 3 loads [11,21]; step 2: gate 15 waits till 21. 10 ms a token.
    expect(out.metrics).toMatchObject({ decode_tokens: 2, prefetch_precision: 1, prefetch_recall: 1, tpot_ms: { mean: 10 }, stall_by_cause_ms: { in_flight: 6 } });
  });
});

describe('copy engine: fair sharing vs a FIFO DMA engine, demand first', () => {
  // Two layers, 2 slots per layer (experts 0 and 1 resident), depth-2 prediction from the trace.
  // Step 0: L0 attention [0,1]; gate 1: L0 expert 0 hits [1,3]; prefetches queued: L1 expert 2
  // (wrong: L1 needs 3), then next step's L0 expert 2. L1 attention [3,4]; gate 4: L1 expert 3
  // misses.
  const trace = () =>
    traceFile([
      [0, 0, 0, '0', '', '0'],
      [0, 0, 1, '3', '', '2'],
      [0, 1, 0, '0', '', '2'],
      [0, 1, 1, '1', '', '1'],
    ]);
  const base = { cache_experts: 4, prefetch: 'predicted', predictor: 'trace', prefetch_depth: 2 };
  const firstStep = async (policy: Record<string, unknown>) => {
    const rec = new WindowRecorder();
    await run({ hardware: simpleHw(), model: tinyModel(4, 1, 2), workload: { trace: trace() }, policy: { ...base, ...policy }, extra: { trace: rec } });
    return firstStepEnd(rec);
  };

  it('fair: the demand fetch shares PCIe with the prefetch in flight, then with the next', async () => {
    // L1e2 alone [1,4] (3 MB), then both at 0.5 GB/s: L1e2 done at 18 (demand has 7 MB), then the
    // demand shares with L0e2: its last 3 MB at 0.5 GB/s end at 24. Expert [24,26], head [26,27].
    expect(await firstStep({})).toBeCloseTo(27, 9);
  });

  it('fifo in issue order: the demand waits for both prefetches queued before it', async () => {
    // L1e2 [1,11], L0e2 [11,21], demand [21,31], expert [31,33], head [33,34].
    expect(await firstStep({ copy_engine: 'fifo' })).toBeCloseTo(34, 9);
  });

  it('fifo, demand first: the demand goes after the prefetch in flight, ahead of the queued one', async () => {
    // L1e2 [1,11], demand [11,21], expert [21,23], head [23,24].
    expect(await firstStep({ copy_engine: 'fifo', demand_first: true })).toBeCloseTo(24, 9);
  });
});

describe('copy stream, overlap and swaps', () => {
  const prefetched = () => traceFile(singleLayer([0, 2]));

  it('copy_stream compute: the prefetch waits for the expert job and holds the LM head back', async () => {
    // Step 0: expert 0 [1,3]; the copy takes the compute stream [3,13]; head [13,14].
    // Step 1: attention [14,15], expert 2 resident [15,17], head [17,18]. TPOT 14 and 4.
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: prefetched() }, policy: { cache_experts: 2, prefetch: 'oracle', copy_stream: 'compute' } });
    expect(out.simulatedSeconds).toBeCloseTo(0.018, 12);
    expect([out.latencyCdf[0]!.value, out.latencyCdf.at(-1)!.value]).toEqual([expect.closeTo(4, 9), expect.closeTo(14, 9)]);
    // The 10 ms the compute stream spent copying counts as stall (it computed nothing): 5 ms a token.
    expect(out.metrics).toMatchObject({ hit_rate: 1, pcie_bytes: 1e7, stall_ms: 5, stall_by_cause_ms: { copy_on_gpu: 5, in_flight: 0, missing: 0 } });
  });

  it("the cost model's overlap reaches the copies: (1 - overlap) of each copy also takes the compute stream", async () => {
    // overlap 0.5: the prefetch [1,11] also puts a 5 ms job on the GPU behind expert 0: [3,8];
    // head [8,9]. Step 1: attention [9,10]; expert 2 lands at 11: [11,13], head [13,14].
    const hw = simpleHw();
    const half = { ...hw, gpuCost: { ...hw.gpuCost, overlap: 0.5 } };
    const out = await run({ hardware: half, model: tinyModel(), workload: { trace: prefetched() }, policy: { cache_experts: 2, prefetch: 'oracle' } });
    expect(out.simulatedSeconds).toBeCloseTo(0.014, 12);
    expect(out.latencyCdf[0]!.value).toBeCloseTo(5, 9);
    expect(out.latencyCdf.at(-1)!.value).toBeCloseTo(9, 9);
    // Stall: step 0 the 5 ms copy share; step 1 the GPU idles [10,11] for the prefetch.
    expect(out.metrics).toMatchObject({ stall_ms: 3, stall_by_cause_ms: { copy_on_gpu: 2.5, in_flight: 0.5 } });
  });

  it('copy_on_gpu adds up to (1 - overlap) of every copy, back-to-back copies included', async () => {
    // 60 tokens over 8 experts, cache 4, oracle prefetch: share jobs often run back to back.
    let x = 7;
    const experts = Array.from({ length: 60 }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x >> 16) % 8);
    const hw = simpleHw();
    const half = { ...hw, gpuCost: { ...hw.gpuCost, overlap: 0.5 } };
    const out = await run({ hardware: half, model: tinyModel(8), workload: { trace: traceFile(singleLayer(experts)) }, policy: { cache_experts: 4, prefetch: 'oracle' } });
    const copyMs = (out.metrics.stall_by_cause_ms as Record<string, number>).copy_on_gpu! * 60;
    const expected = (0.5 * (out.metrics.pcie_bytes as number)) / 1e9 * 1e3;
    expect(expected).toBeGreaterThan(50);
    // The last copy's share may still run after the last token: at most one 5 ms share short.
    expect(copyMs).toBeLessThanOrEqual(expected + 1e-6);
    expect(copyMs).toBeGreaterThanOrEqual(expected - 5 - 1e-6);
  });

  it('swap before: the evicted expert goes back to the host first; alongside: on the other direction at once', async () => {
    // Cache of 1, experts 0 then 1. Step 1's gate at 5 evicts 0.
    const trace = traceFile(singleLayer([0, 1]));
    const rec = new WindowRecorder();
    // before: D2H [5,15], H2D [15,25], expert [25,27], head [27,28].
    const before = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, swap: 'before' }, extra: { trace: rec } });
    expect(before.simulatedSeconds).toBeCloseTo(0.028, 12);
    const out = rec.slices.filter((s) => s.track === 'pcie d2h').map((s) => [ms(s.start), ms(s.end)]);
    expect(out).toEqual([[expect.closeTo(5, 9), expect.closeTo(15, 9)]]);
    // alongside: D2H and H2D both [5,15] (full duplex): the step is as without a swap, 14 ms.
    const along = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace }, policy: { cache_experts: 1, swap: 'alongside' } });
    expect(along.simulatedSeconds).toBeCloseTo(0.018, 12);
  });
});

describe('eviction: analytic hit counts', () => {
  // 0 1 2 repeated 4 times, cache of 2 starting with {0, 1}.
  const cyclic = () => traceFile(singleLayer([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]));

  it('LRU on a cycle one longer than the cache misses every access after the first two', async () => {
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: cyclic() }, policy: { cache_experts: 2 } });
    // 2 hits x 4 ms + 10 misses x 14 ms
    expect(out.metrics).toMatchObject({ hit_rate: 0.166667 });
    expect(out.simulatedSeconds).toBeCloseTo(0.148, 12);
  });

  it('Belady on the same cycle hits 7 of 12 (evict the one needed furthest ahead)', async () => {
    // {0,1}: 0 hit, 1 hit, 2 miss (evict 1: next used later than 0) {0,2}, 0 hit, 1 miss (evict 0)
    // {1,2}, 2 hit, 0 miss (evict 2) {0,1}, 1 hit, 2 miss (evict 1) {0,2}, 0 hit, 1 miss (evict 0,
    // never used again) {1,2}, 2 hit: hits at accesses 0 1 3 5 7 9 11.
    const out = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace: cyclic() }, policy: { cache_experts: 2, cache: 'belady' } });
    expect(out.metrics).toMatchObject({ hit_rate: 0.583333 });
  });

  it('random eviction under uniform routing hits about capacity / experts (independent reference model)', async () => {
    // 4000 tokens uniform over 8 experts (an LCG, not the simulator's RNG), cache 4: P(hit) = 1/2
    // for any policy blind to the future; 4000 draws: s.d. ~0.008.
    let x = 12345;
    const experts = Array.from({ length: 4000 }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x >> 16) % 8);
    const trace = traceFile(singleLayer(experts));
    const a = await run({ hardware: simpleHw(1e12), model: tinyModel(8), workload: { trace }, policy: { cache_experts: 4, cache: 'random' }, seed: 3 });
    expect(a.metrics.hit_rate as number).toBeGreaterThan(0.47);
    expect(a.metrics.hit_rate as number).toBeLessThan(0.53);
    const b = await run({ hardware: simpleHw(1e12), model: tinyModel(8), workload: { trace }, policy: { cache_experts: 4, cache: 'random' }, seed: 3 });
    expect(b.metrics).toEqual(a.metrics);
    const c = await run({ hardware: simpleHw(1e12), model: tinyModel(8), workload: { trace }, policy: { cache_experts: 4, cache: 'random' }, seed: 4 });
    expect(c.metrics.hit_rate).not.toBe(a.metrics.hit_rate);
  });

  it('LFU counting prefill keeps the prompt-heavy expert; counting decode only evicts it', async () => {
    // Prefill of 10 tokens: expert 0 gets 9, expert 1 gets 1. Decode: 1 1 2 0 (cache {0, 1}).
    // At 2's miss, decode counts are 0:0 1:2 (evict 0, so the last token misses); with prefill
    // counts 0:9 1:3 (evict 1, the last token hits).
    const trace = traceFile([[0, 0, 0, '0|1', '0.9|0.1'], ...singleLayer([1, 1, 2, 0]).map(([r, t, l, e]) => [r, t + 1, l, e] as [number, number, number, string])]);
    const policy = { cache_experts: 2, cache: 'lfu' };
    const decode = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace, prompt_tokens: 10 }, policy });
    const all = await run({ hardware: simpleHw(), model: tinyModel(), workload: { trace, prompt_tokens: 10 }, policy: { ...policy, lfu_counts: 'all' } });
    // hit_rate counts the prefill's two accesses (both hits) too: 4 of 6 and 5 of 6.
    expect(decode.metrics.hit_rate).toBe(0.666667);
    expect(all.metrics.hit_rate).toBe(0.833333);
  });
});

describe('gate mass from normalised weights', () => {
  it('a dropped expert loses its normalised weight', async () => {
    // Top-2, cache {0, 1}. Token 0: 0|1 (hits). Token 1: 0|2 with weights 3|1: 2 is dropped, a
    // quarter of that token's mass; over two tokens: 0.125 dropped.
    const trace = traceFile([
      [0, 0, 0, '0|1', '0.6|0.2'],
      [0, 1, 0, '0|2', '3|1'],
    ]);
    const out = await run({ hardware: simpleHw(), model: tinyModel(4, 2), workload: { trace }, policy: { cache_experts: 2, miss: 'drop' } });
    expect(out.metrics).toMatchObject({ gate_mass: { exact: 0.875, dropped: 0.125, substituted: 0, cpu: 0 } });
  });
});

describe('quantised experts: bytes from the quantisation parameters', () => {
  const P = 3 * 4096 * 14336; // one Mixtral expert

  it('HQQ 2-bit group 16 with 8-bit scale and zero (mixtral-offloading): 3.03125 bits a weight', () => {
    // 2 + (8 + 8) / 16 + two meta tensors x 32 bits per 128 groups of 16 = 2 + 1 + 64 / 2048
    expect(quantisedBytes(P, QUANT_SCHEMES['hqq-2bit-g16'])).toBe((P * 3.03125) / 8);
  });

  it('GPTQ 4-bit group 128, fp16 scales + 4-bit zeros: 4.15625 bits, the ~92 MB a 4-bit Mixtral expert is quoted at', () => {
    expect(quantisedBytes(P, QUANT_SCHEMES['gptq-4bit-g128'])).toBe((P * (4 + 20 / 128)) / 8);
    expect(Math.round(quantisedBytes(P, QUANT_SCHEMES['gptq-4bit-g128']) / 1e6)).toBe(92);
  });

  it('fp8 per channel: one byte a weight plus an fp32 scale per output channel', () => {
    expect(quantisedBytes(P, QUANT_SCHEMES['fp8-per-channel'], { tensors: 3, channels: 2 * 14336 + 4096 })).toBe(P + 4 * (2 * 14336 + 4096));
    expect(quantisedBytes(P, QUANT_SCHEMES['fp8-per-tensor'], { tensors: 3, channels: 1 })).toBe(P + 3 * 4);
  });

  it('model.expert_quant sets what a miss moves', async () => {
    const trace = traceFile(singleLayer([0, 1]));
    const model = { ...tinyModel(), expert_mb: undefined, hidden: 4096, ffn: 14336, expert_quant: 'gptq-4bit-g128' };
    delete (model as Record<string, unknown>).expert_mb;
    const out = await run({ hardware: simpleHw(1e12), model, workload: { trace }, policy: { cache_experts: 1 } });
    expect(out.metrics.pcie_bytes).toBe((P * (4 + 20 / 128)) / 8);
  });
});

describe('measured-cost overrides', () => {
  it('layer, expert, head and per-stack overheads replace the cost model', async () => {
    // One step, batch of 2 on expert 0 (resident): layer 2 + 0.25, expert 3 + 0.5 (second token),
    // head 1.5 + 0.5 = 7.75 ms.
    const trace = traceFile([...singleLayer([0], 0), ...singleLayer([0], 1)]);
    const model = { ...tinyModel(), layer_ms: 2, layer_overhead_ms: 0.25, expert_ms: 3, expert_token_ms: 0.5, head_ms: 1.5, step_overhead_ms: 0.5 };
    const out = await run({ hardware: simpleHw(), model, workload: { trace }, policy: { cache_experts: 1, batch_size: 2 } });
    expect(out.simulatedSeconds).toBeCloseTo(7.75 * MS, 12);
  });
});

describe('BuddyMoE: offline buddy table, entropy gate', () => {
  // Top-2, cache {0, 1}. Token 0 routes 0|1 (hits); token 1 routes 0|2 with weights 0.9|0.1, and
  // 2 misses. Its buddy, when the table has one, is 1 (resident, not routed to by token 1).
  const replay = () =>
    traceFile([
      [0, 0, 0, '0|1', '0.5|0.5'],
      [0, 1, 0, '0|2', '0.9|0.1'],
    ]);
  // A separate profiling trace in which 2 and 1 are picked together.
  const profile = () => traceFile([0, 1, 2, 3].map((t) => [0, t, 0, '1|2'] as [number, number, number, string]));
  const go = (policy: Record<string, unknown>) => run({ hardware: simpleHw(), model: tinyModel(4, 2), workload: { trace: replay() }, policy: { cache_experts: 2, miss: 'buddy', ...policy } });

  it('a table profiled offline substitutes from the first miss; the in-sample online table has not seen 2 yet', async () => {
    const offline = await go({ buddy_profile: profile() });
    expect(offline.metrics).toMatchObject({ pcie_bytes: 0, gate_mass: { substituted: 0.05 } });
    // Online: token 1's own routing (0 with 2) is counted only after its miss was decided: fetch.
    const online = await go({ buddy_online: true });
    expect(online.metrics).toMatchObject({ pcie_bytes: 1e7, gate_mass: { substituted: 0 } });
  });

  it("the token-entropy gate fetches for a token sure of its experts", async () => {
    // H(0.9, 0.1) / ln 2 = 0.46900
    const h = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)) / Math.log(2);
    expect(h).toBeCloseTo(0.469, 3);
    const open = await go({ buddy_profile: profile(), buddy_min_entropy: h - 0.01 });
    expect(open.metrics.pcie_bytes).toBe(0);
    const shut = await go({ buddy_profile: profile(), buddy_min_entropy: h + 0.01 });
    expect(shut.metrics.pcie_bytes).toBe(1e7);
  });

  it('buddy needs a table named explicitly', async () => {
    const r = (await import('../../../src/systems/moe/index.js')).moeSystem.policySchema.safeParse({ miss: 'buddy' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/buddy_profile .*buddy_matrix.*buddy_online: true/);
  });
});

describe('dense layers ahead of the MoE layers (DeepSeek-V2-Lite: first_k_dense_replace 1)', () => {
  // A dense layer: attention projections (a GEMM, 1 ms) + its dense MLP (a 4096 x 14336 SwiGLU, 2 ms
  // as an expert FFN over one token) + the per-layer overhead 0.25 ms = 3.25 ms, and no gate.
  // The MoE layer: attention 1 + 0.25 ms, then its expert; LM head 1 ms.
  const model = (dense: number) => ({ ...tinyModel(), dense_layers: dense, dense_ffn: 14336, layer_overhead_ms: 0.25 });
  const go = (dense: number) => run({ hardware: simpleHw(), model: model(dense), workload: { trace: traceFile(singleLayer([0, 1])) }, policy: { cache_experts: 1 } });

  it('is priced every token as GPU-resident compute and fetches nothing', async () => {
    // Token 0 hits expert 0: 3.25 + 1.25 + 2 + 1 = 7.5 ms. Token 1 misses expert 1, fetched at its
    // gate (10 MB over 1 GB/s = 10 ms), not during the dense layer: 3.25 + 1.25 + 10 + 2 + 1 = 17.5 ms.
    const out = await go(1);
    expect(out.simulatedSeconds).toBeCloseTo(25 * MS, 12);
    expect(out.metrics.pcie_bytes).toBe(1e7);
    const none = await go(0);
    expect(out.simulatedSeconds - none.simulatedSeconds).toBeCloseTo(2 * 3.25 * MS, 12);
    expect(none.metrics.pcie_bytes).toBe(1e7);
  });

  it('two dense layers cost twice one', async () => {
    const one = await go(1);
    const two = await go(2);
    expect(two.simulatedSeconds - one.simulatedSeconds).toBeCloseTo(2 * 3.25 * MS, 12);
  });

  it('dense_layers without a dense MLP size is a config error naming model.dense_ffn', async () => {
    const bad = { ...tinyModel(), dense_layers: 1 };
    await expect(run({ hardware: simpleHw(), model: bad, workload: { trace: traceFile(singleLayer([0])) } })).rejects.toMatchObject({ name: 'ConfigError', fields: ['model.dense_ffn'] });
  });
});
