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
  tokens_per_s: 1.48585,
  tpot_ms: { mean: 673.016, p50: 674.728, p99: 793.838 },
  stall_ms: 640.657,
  hit_rate: 0.393311,
  prefetch_precision: 0.894737,
  prefetch_recall: 0.43163,
  pcie_bytes: 1057669251072,
  pcie_busy: 0.98221,
  gpu_busy: 0.048081,
  gate_mass: { exact: 0.893435, substituted: 0.106565, cpu: 0, dropped: 0 },
  cpu_busy: 0,
  late_prefetch_rate: 0.153076,
  decode_tokens: 64,
  cache_experts: 48,
  pcie_bytes_per_token: 16526082048,
  ttft_ms: { mean: 11499, p50: 11499, p99: 21955.4 },
};
