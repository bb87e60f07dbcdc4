/**
 * The configuration types a library caller writes, per system: the zod *input* types of each
 * system's model, workload and policy schemas, so every defaulted field is optional and an editor
 * completes the rest. They are checked at run time by the same schemas as a scenario file.
 */
import type { z } from 'zod';
import type { editModelSchema } from '../systems/edit/model.js';
import type { editPolicySchema, editWorkloadSchema } from '../systems/edit/types.js';
import type { HardwareConfig } from '../systems/hardware.js';
import type { moeModelSchema, moePolicySchema, moeWorkloadSchema } from '../systems/moe/schemas.js';
import type { t2iModelSchema, t2iPolicySchema, t2iWorkloadSchema } from '../systems/t2i/schemas.js';
import type { SystemName, WarmupConfig } from '../systems/types.js';
import type { CommonScenario, ReportConfig } from '../scenario/schema.js';

export interface SystemConfigs {
  moe: { model: z.input<typeof moeModelSchema>; workload: z.input<typeof moeWorkloadSchema>; policy: z.input<typeof moePolicySchema> };
  edit: { model: z.input<typeof editModelSchema>; workload: z.input<typeof editWorkloadSchema>; policy: z.input<typeof editPolicySchema> };
  t2i: { model: z.input<typeof t2iModelSchema>; workload: z.input<typeof t2iWorkloadSchema>; policy: z.input<typeof t2iPolicySchema> };
}

export type ModelConfigOf<S extends SystemName> = SystemConfigs[S]['model'];
export type WorkloadConfigOf<S extends SystemName> = SystemConfigs[S]['workload'];
export type PolicyConfigOf<S extends SystemName> = SystemConfigs[S]['policy'];

/**
 * A scenario as an object: the same fields as a scenario file (docs/cli.md "Scenario format"),
 * typed per system. Sweep keys are dotted paths (`policy.cache_experts`, `workload.generator.rps`).
 */
export interface ScenarioObject<S extends SystemName = SystemName> {
  name: string;
  description?: string;
  system: S;
  /** __Default value:__ 1 */
  seed?: number;
  /** __Default value:__ 1 */
  replications?: number;
  hardware?: HardwareConfig;
  model?: ModelConfigOf<S>;
  workload?: WorkloadConfigOf<S>;
  policies: Array<{ label: string; policy?: PolicyConfigOf<S> }>;
  sweep?: Record<string, unknown[] | CommonScenario['sweep'][string]>;
  slo?: { latency_ms: number };
  warmup?: WarmupConfig;
  report?: Partial<ReportConfig>;
}
