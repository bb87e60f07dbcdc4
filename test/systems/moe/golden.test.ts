/**
 * A golden small case: what a scenario runner would pass for "Mixtral-8x7B fp16 on an RTX 4090,
 * next-layer prediction + BuddyMoE substitution, 48 cached experts", 64 tokens. Any change to the
 * model, the costs or a policy shows up here; update the numbers only for an intended change.
 */
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { run } from './helpers.js';

describe('moe golden case', () => {
  it('rtx-4090, mixtral-8x7b-fp16, predicted + buddy, 48 experts, 64 tokens in 2 requests at 0.5 rps', async () => {
    const out = await run({
      hardware: resolveHardware({ gpu: 'rtx-4090', host: 'desktop-13900k' }),
      model: { preset: 'mixtral-8x7b-fp16' },
      workload: { generator: { tokens: 64, request_tokens: 32, rps: 0.5 } },
      policy: { cache_experts: 48, prefetch: 'predicted', miss: 'buddy' },
      seed: 1,
    });
    expect(out.metrics).toEqual(GOLDEN);
    expect(out.conservation).toEqual({ arrived: 2, completed: 2, rejected: 0, inFlight: 0 });
    expect(out.latencyCdf).toHaveLength(101);
    expect(new Set(out.utilisation.map((u) => u.resource))).toEqual(new Set(['gpu', 'pcie h2d']));
  });
});

const GOLDEN = {
  tokens_per_s: 1.42288,
  tpot_ms: { mean: 702.799, p50: 702.308, p99: 785.089 },
  stall_ms: 670.44,
  hit_rate: 0.392578,
  prefetch_precision: 0.934795,
  prefetch_recall: 0.49189,
  pcie_bytes: 1104880336896,
  pcie_busy: 0.982571,
  gpu_busy: 0.0460434,
  gate_mass: { exact: 0.962471, substituted: 0.0375285, cpu: 0, dropped: 0 },
  cpu_busy: 0,
  late_prefetch_rate: 0.209717,
  decode_tokens: 64,
  cache_experts: 48,
  pcie_bytes_per_token: 17263755264,
  ttft_ms: { mean: 11710.7, p50: 11710.7, p99: 22428.3 },
};
