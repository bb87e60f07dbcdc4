/**
 * Per-forward dequantisation traffic (src/systems/moe/dequant.ts): bytes from HQQ's rebuild of its
 * 8-bit scales/zeros (11 B an entry) and the matmul's fp16 scale/zero reads (4 B a group), priced
 * on the GPU stream every time an expert or a layer's attention runs. Costs as in
 * mechanisms.test.ts (attention 1 ms a layer, LM head 1 ms, a GPU expert 2 ms) and GPU memory at
 * 1e11 B/s for the memory-bound pass.
 */
import { describe, expect, it } from 'vitest';
import { dequantBytes } from '../../../src/systems/moe/dequant.js';
import { moeSystem } from '../../../src/systems/moe/index.js';
import { MS, fakeHardware, run, singleLayer, tinyModel, traceFile } from './helpers.js';

const hw = () => fakeHardware({ gemm: 1 * MS, expert: (n) => (2 + (n - 1)) * MS, bandwidth: 1e9, memBandwidth: 1e11 });
const EXPERT_PARAMS = 3 * 4096 * 14336; // 176,160,768

describe('per-forward dequantisation bytes', () => {
  it('HQQ 2-bit group 16 with quantised scale and zero (mixtral-offloading experts): 26 B a group', () => {
    // 11,010,048 groups x (4 read by the matmul + 2 x 11 rebuilt) = 286,261,248 B.
    expect(dequantBytes(EXPERT_PARAMS, { group: 16, quantised: 2 })).toBe(11_010_048 * 26);
    expect(dequantBytes(EXPERT_PARAMS, { group: 16, quantised: 2 })).toBe(286_261_248);
  });

  it('fp16 scales and zeros (nothing rebuilt): only the matmul reads, 4 B a group', () => {
    expect(dequantBytes(EXPERT_PARAMS, { group: 64, quantised: 0 })).toBe(2_752_512 * 4);
  });
});

describe('dequantisation on the GPU stream', () => {
  // One decode step, expert 0 resident (cache starts with the lowest-numbered experts).
  const step = (model: Record<string, unknown>) => run({ hardware: hw(), model: { ...tinyModel(), ...model }, workload: { trace: traceFile(singleLayer([0])) }, policy: { cache_experts: 1 } });

  it('without it a step is attention 1 + expert 2 + head 1 = 4 ms', async () => {
    expect((await step({})).simulatedSeconds).toBeCloseTo(4 * MS, 12);
  });

  it('each expert forward adds its pass: 286,261,248 B at 1e11 B/s = 2.86261248 ms', async () => {
    const out = await step({ expert_dequant: { group: 16 } });
    expect(out.simulatedSeconds).toBeCloseTo((4 + 2.86261248) * MS, 12);
  });

  it("each layer's attention adds its own: 64 M weights in groups of 64, fp16 meta = 4 MB = 0.04 ms", async () => {
    const out = await step({ attn_params: 64e6, attn_dequant: { group: 64, quantised: 0 } });
    expect(out.simulatedSeconds).toBeCloseTo((4 + 0.04) * MS, 12);
  });

  it('two experts in a layer pay it twice', async () => {
    const trace = traceFile([[0, 0, 0, '0|1']]);
    const out = await run({ hardware: hw(), model: { ...tinyModel(4, 2), expert_dequant: { group: 16 } }, workload: { trace }, policy: { cache_experts: 2 } });
    // attention 1 + experts 2 x (2 + 2.86261248) + head 1
    expect(out.simulatedSeconds).toBeCloseTo((1 + 2 * (2 + 2.86261248) + 1) * MS, 12);
  });

  it("a dense layer's attention pays it too: dense (1 + MLP 2 + 0.04) + MoE layer (1 + 0.04) + expert 2 + head 1 = 7.08 ms", async () => {
    const out = await step({ attn_params: 64e6, attn_dequant: { group: 64, quantised: 0 }, dense_layers: 1, dense_ffn: 14336 });
    expect(out.simulatedSeconds).toBeCloseTo(7.08 * MS, 12);
  });

  it('a group of 0 or an unknown field is refused by the model schema, naming the field', () => {
    expect(() => moeSystem.modelSchema.parse({ expert_dequant: { group: 0 } })).toThrow(/group/);
    expect(() => moeSystem.modelSchema.parse({ attn_dequant: { group: 64, bits: 8 } })).toThrow(/bits/);
  });
});
