import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveHardware, type HardwareConfig } from '../../../src/systems/hardware.js';
import type { EditHooks, EditInput } from '../../../src/systems/edit/index.js';
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
