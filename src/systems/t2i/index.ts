/**
 * The t2i system: text-to-image serving with LoRA and ControlNet add-ons (SwiftDiffusion's
 * setting): adapter loading through store -> host -> GPU tiers with caches, LoRA application
 * (Diffusers-like sync, in-place merge, bounded async, unmerged), ControlNet placement (serial,
 * parallel on dedicated GPUs, stale by one step) and request assignment.
 */
import type { PresetInfo, SystemModule } from '../types.js';
import { T2I_PRESETS } from './presets.js';
import { t2iModelSchema, t2iPolicySchema, t2iWorkloadSchema, type T2iModelConfig, type T2iPolicyConfig, type T2iWorkloadConfig } from './schemas.js';
import { T2I_REQUEST_COLUMNS } from './serve.js';
import { checkT2i, simulateT2i } from './system.js';
import { t2iWork } from './work.js';

export const t2iSystem: SystemModule<T2iModelConfig, T2iWorkloadConfig, T2iPolicyConfig> = {
  name: 't2i',
  description: 'Text-to-image serving with LoRA and ControlNet add-ons: adapter caches, LoRA patch timing, ControlNet placement',
  modelSchema: t2iModelSchema,
  workloadSchema: t2iWorkloadSchema,
  policySchema: t2iPolicySchema,
  requestColumns: T2I_REQUEST_COLUMNS,
  simulate: (input) => simulateT2i(input),
  check: (input) => checkT2i(input),
  work: t2iWork,
  presets: (): PresetInfo[] => Object.values(T2I_PRESETS).map((p) => ({ name: p.name, summary: p.summary, source: p.source })),
};

export { KERNEL_STEP_FACTOR, T2I_PRESETS, type T2iModelPreset } from './presets.js';
export { T2iCosts } from './costs.js';
export { t2iModelSchema, t2iPolicySchema, t2iWorkloadSchema } from './schemas.js';
export type { T2iModelConfig, T2iPolicyConfig, T2iWorkloadConfig } from './schemas.js';
