/** The moe system: public surface. */
export { moeSystem, type MoeInput } from './system.js';
export { moeModelSchema, moeWorkloadSchema, moePolicySchema, type MoeModelConfig, type MoeWorkloadConfig, type MoePolicyConfig } from './schemas.js';
export { MOE_MODELS, MOE_MODEL_NAMES, type MoeModelSpec, type MoeModelName } from './presets.js';
export { resolveMoeModel, type ResolvedMoeModel } from './model.js';
export { PREFETCH_POLICIES } from './policies/prefetch/index.js';
export { EVICTION_POLICIES } from './policies/eviction/index.js';
export { MISS_POLICIES } from './policies/miss/index.js';
export type * from './types.js';
