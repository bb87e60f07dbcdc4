/** Test fixtures: tiny traces on disk, a hardware whose op costs are round numbers, one-call runs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CostModel } from '../../../src/cost/model.js';
import type { Op } from '../../../src/cost/ops.js';
import { resolveHardware, type ResolvedHardware } from '../../../src/systems/hardware.js';
import { moeSystem } from '../../../src/systems/moe/index.js';
import type { SimulationInput, SimulationOutput } from '../../../src/systems/types.js';

export const dir = mkdtempSync(join(tmpdir(), 'servesim-moe-'));
let n = 0;

/** Write a routing trace; rows are [request, token, layer, experts, weights?, predicted?, arrival?]. */
export function traceFile(rows: Array<[number, number, number, string, string?, string?, number?]>): string {
  const p = join(dir, `t${n++}.csv`);
  const lines = ['request,token,layer,experts,weights,predicted,arrival_s'];
  for (const [r, t, l, e, w, pr, a] of rows) lines.push(`${r},${t},${l},${e},${w ?? ''},${pr ?? ''},${a ?? ''}`);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

/** One request, one layer, top-1: the expert of each token. */
export function singleLayer(experts: number[], request = 0): Array<[number, number, number, string]> {
  return experts.map((e, t) => [request, t, 0, String(e)]);
}

export interface FakeCosts {
  /** Attention + router per layer, and LM head per step (any GEMM/GEMV), seconds. */
  gemm: number;
  /** GPU expert FFN over n tokens. */
  expert: (n: number) => number;
  /** CPU expert FFN over n tokens. */
  cpuExpert?: (n: number) => number;
  /** PCIe bytes/s (latency 0). */
  bandwidth: number;
  /** GPU memory bytes/s for elementwise (memory-bound) ops; absent: priced like a GEMM. */
  memBandwidth?: number;
}

/** Mixtral shapes: tokens of an expert_ffn op recovered from its FLOPs. */
const HIDDEN = 4096;
const FFN = 14336;
const tokensOf = (op: Op) => Math.round(op.flops / (6 * HIDDEN * FFN + 4 * FFN));

function fakeCost(f: (op: Op) => number): CostModel {
  return { overlap: 1, opSeconds: f, source: () => 'test', link: () => undefined };
}

export function fakeHardware(c: FakeCosts): ResolvedHardware {
  const base = resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' });
  return {
    ...base,
    pcie: { name: 'test link', bandwidth: c.bandwidth, latency: 0, source: 'test' },
    gpuCost: fakeCost((op) =>
      op.kind === 'expert_ffn' ? c.expert(tokensOf(op)) : op.kind === 'attention' ? 0 : op.kind === 'elementwise' && c.memBandwidth ? op.bytes / c.memBandwidth : c.gemm,
    ),
    cpuCost: fakeCost((op) => (op.kind === 'expert_ffn' && c.cpuExpert ? c.cpuExpert(tokensOf(op)) : 0)),
  };
}

/** A one-layer model with `experts` experts of `mb` MB, nothing else resident. */
export function tinyModel(experts = 4, topK = 1, layers = 1, mb = 10) {
  return { preset: 'mixtral-8x7b-fp16', layers, experts, top_k: topK, expert_mb: mb, resident_gib: 0, reserve_gib: 0, max_context: 1 };
}

export interface RunOptions {
  hardware: ResolvedHardware;
  model?: Record<string, unknown>;
  workload: Record<string, unknown>;
  policy?: Record<string, unknown>;
  seed?: number;
  warmup?: SimulationInput['warmup'];
  extra?: Partial<SimulationInput>;
}

export function run(o: RunOptions): Promise<SimulationOutput> {
  return moeSystem.simulate({
    hardware: o.hardware,
    model: moeSystem.modelSchema.parse(o.model ?? {}),
    workload: moeSystem.workloadSchema.parse(o.workload),
    policy: moeSystem.policySchema.parse(o.policy ?? {}),
    seed: o.seed ?? 1,
    warmup: o.warmup ?? {},
    baseDir: dir,
    ...o.extra,
  });
}

/** Round-number costs: attention/LM head 1 ms, expert 2 ms (+1 ms per extra token), 1 GB/s. */
export const MS = 1e-3;
export const simpleHw = (bandwidth = 1e9) => fakeHardware({ gemm: 1 * MS, expert: (n) => (2 + (n - 1)) * MS, cpuExpert: (n) => 5 * n * MS, bandwidth });
