/**
 * The edit system: diffusion image-editing serving (InstGenIE / FlashPS) on N GPU workers, with
 * mask-aware activation caching, cache loading schedules, batching and load balancing policies.
 */
import type { PresetInfo, SimulationOutput, SystemModule } from '../types.js';
import { editModelSchema, resolveEditModel, type EditModelConfig } from './model.js';
import { EDIT_MODELS } from './models.js';
import { EDIT_REQUEST_COLUMNS } from './sim.js';
import { checkEdit, simulateEdit } from './simulate.js';
import { editPolicySchema, editWorkloadSchema, type EditPolicyConfig, type EditWorkloadConfig } from './types.js';
import { editWork } from './work.js';

export const editSystem: SystemModule<EditModelConfig, EditWorkloadConfig, EditPolicyConfig> = {
  name: 'edit',
  description: 'Diffusion image editing: masked compute on cached activations, load/recompute pipeline, continuous batching, load balancing',
  modelSchema: editModelSchema,
  workloadSchema: editWorkloadSchema,
  policySchema: editPolicySchema,
  requestColumns: EDIT_REQUEST_COLUMNS,
  async simulate(input): Promise<SimulationOutput> {
    const { sim: _sim, ...out } = await simulateEdit(input);
    return out;
  },
  check: checkEdit,
  work: editWork,
  presets(): PresetInfo[] {
    return Object.values(EDIT_MODELS).map((p) => ({ name: p.name, summary: `${p.summary}; ${cacheSummary(p.name)}`, source: [p.source, ...Object.values(p.sources)].join('; ') }));
  },
};

/** The derived activation cache of a preset (architectures.ts), for `servesim presets`. */
function cacheSummary(name: (typeof EDIT_MODELS)[keyof typeof EDIT_MODELS]['name']): string {
  const gib = (b: number) => (b / 2 ** 30).toFixed(b < 2 ** 30 ? 3 : 2);
  const m = resolveEditModel({ preset: name });
  const kv = resolveEditModel({ preset: name, cache: { content: 'kv' } });
  return `cache (${m.cacheContent}, ${m.cacheDtype}) ${gib(m.cacheBytesPerStep)} GiB/step, ${gib(m.cacheBytesPerStep * m.steps)} GiB/template (kv: ${gib(kv.cacheBytesPerStep * kv.steps)})`;
}

export { simulateEdit, type EditInput } from './simulate.js';
export { resolveEditModel, editModelSchema, type EditModelConfig, type ResolvedEditModel } from './model.js';
export { EDIT_MODELS, type EditModelPreset, type BlockGroup } from './models.js';
export { editPolicySchema, editWorkloadSchema, type EditPolicy, type EditPolicyConfig, type EditWorkloadConfig } from './types.js';
export { EditCosts, BatchShape } from './costs.js';
export { planPipeline, planRuns, runTimes, stepTimes, type RunPrices, type StepTimes } from './plan.js';
export { StepPlanner } from './planner.js';
export { checkEditFits, EditSim, type EditRequest, type EditHooks } from './sim.js';
export { COMPUTE_POLICIES } from './policies/compute/index.js';
export { LOADING_POLICIES } from './policies/loading/index.js';
export { BATCHING_POLICIES } from './policies/batching/index.js';
export { BALANCE_POLICIES, type WorkerLoad, type BalancePolicy } from './policies/balance/index.js';
export { CACHE_CONTENTS, CACHE_DTYPES, cacheBytesPerStep, OOTD, type CacheContent, type CacheDtype } from './architectures.js';
