import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveHardware, type HardwareConfig } from '../../../src/systems/hardware.js';
import { BatchShape, EditCosts, resolveEditModel, type EditHooks, type EditInput } from '../../../src/systems/edit/index.js';
import type { EditPolicyConfig, EditWorkloadConfig, EditModelConfig } from '../../../src/systems/edit/index.js';

export const dir = mkdtempSync(join(tmpdir(), 'servesim-editsys-'));

/** Write a trace with the four required columns: [arrival, request, template, mask]. */
export function traceFile(name: string, rows: Array<[number, string, string, number]>, extra = ''): string {
  const p = join(dir, name);
  writeFileSync(p, 'arrival_s,request,template,mask_ratio' + (extra ? ',' + extra.split('\n')[0] : '') + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  return p;
}

export function input(o: {
  hardware?: HardwareConfig;
  model?: EditModelConfig;
  workload: EditWorkloadConfig;
  policy?: EditPolicyConfig;
  seed?: number;
  sloMs?: number;
  warmup?: EditInput['warmup'];
}): EditInput {
  return {
    hardware: resolveHardware({ gpu: 'h800', gpus: 1, host: 'epyc-9654-2s', ...o.hardware }),
    model: o.model ?? { preset: 'sdxl' },
    workload: o.workload,
    policy: o.policy ?? {},
    seed: o.seed ?? 1,
    warmup: o.warmup ?? {},
    sloMs: o.sloMs,
    baseDir: dir,
  };
}

/** Per-request records collected through the hooks. */
export function recorder(): { hooks: EditHooks; done: Map<string, { arrival: number; start: number; end: number; worker: number; load: number; bubble: number }>; steps: Array<{ worker: number; start: number; batch: number; seconds: number }> } {
  const done = new Map<string, { arrival: number; start: number; end: number; worker: number; load: number; bubble: number }>();
  const steps: Array<{ worker: number; start: number; batch: number; seconds: number }> = [];
  return {
    done,
    steps,
    hooks: {
      onComplete: (r) => done.set(r.id, { arrival: r.arrival, start: r.start, end: r.end, worker: r.worker, load: r.loadSeconds, bubble: r.bubbleSeconds }),
      onStep: (worker, start, batch, seconds) => steps.push({ worker, start, batch: batch.length, seconds }),
    },
  };
}

/**
 * Full-compute SDXL step prices on the default hardware, for hand timelines: SN = the step time of
 * a batch of N full-mask requests (every block group priced by the cost model alone), te(n) = the
 * text encoders for n joiners, vae = one decode.
 */
/** A batch of n requests alike: mask ratio `mask`, reusing the cached share `reuse`. */
export function uniformBatch(n: number, mask: number, reuse: number): BatchShape {
  const s = new BatchShape();
  for (let i = 0; i < n; i++) s.add(1, mask, reuse);
  return s;
}

/** A step's summed block prices for `shape`: full (`f`) or masked (`c`) compute of every block. */
export function blockSum(costs: EditCosts, blockGroup: ArrayLike<number>, price: 'c' | 'f', shape: BatchShape): number {
  costs.price(shape);
  let t = 0;
  for (let b = 0; b < blockGroup.length; b++) t += costs[price][blockGroup[b]!]!;
  return t;
}

export function sdxlStepPrices() {
  const hw = input({ workload: {} }).hardware;
  const model = resolveEditModel({ preset: 'sdxl' });
  const costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
  const step = (n: number) => blockSum(costs, model.blockGroup, 'f', uniformBatch(n, 1, 0));
  return { N: model.steps, S1: step(1), S2: step(2), S3: step(3), te: (n: number) => costs.textEncoderSeconds(n), vae: costs.vaeSeconds(1) };
}
