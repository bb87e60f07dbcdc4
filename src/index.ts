/**
 * servesim as a library: what a notebook or a script imports (package.json "main"). The CLI is a
 * thin shell over the same calls.
 *
 *   simulate({ system, hardware, model, workload, policy, seed })   one run -> SimulationOutput
 *   runScenario(fileOrObject, { jobs, seed, set })                  a whole study -> results object
 *   runRows(results, metrics)                                       -> flat rows for charts/tables
 *   presets()                                                       every preset with its source
 *
 * Study helpers (knee, reach, crossings, textTable, lineSpec, chartSvg, chartBundle) turn results
 * into the numbers and charts a conclusion rests on. Everything below is re-exported from the
 * module that owns it; nothing here has behaviour of its own.
 */

// Running
export { simulate, type SimulateOptions } from './api/simulate.js';
export { runScenario, type RunScenarioOptions } from './api/run.js';
export { runRows, columnOf, paramColumns, type Row } from './api/rows.js';
export { presets, type PresetCatalogue } from './api/presets.js';
export type { ScenarioObject, SystemConfigs, ModelConfigOf, WorkloadConfigOf, PolicyConfigOf } from './api/configs.js';

// What can be run: systems and trace kinds
export { REGISTRY } from './registry.js';
export { moeSystem, MOE_MODELS, PREFETCH_POLICIES, EVICTION_POLICIES, MISS_POLICIES } from './systems/moe/index.js';
export { editSystem, EDIT_MODELS, COMPUTE_POLICIES, LOADING_POLICIES, BATCHING_POLICIES, BALANCE_POLICIES } from './systems/edit/index.js';
export { t2iSystem, T2I_PRESETS } from './systems/t2i/index.js';
export { moeTrace } from './workloads/moe/index.js';
export { editTrace } from './workloads/edit/index.js';
export { t2iTrace } from './workloads/t2i/index.js';
export type { SystemModule, SystemName, SimulationInput, SimulationOutput, PresetInfo, Metrics, MetricValue, Conservation, WarmupConfig } from './systems/types.js';
export type { TraceKind, TraceKindModule, TraceStats } from './workloads/types.js';

// Hardware
export { resolveHardware, hardwareSchema, type HardwareConfig, type ResolvedHardware } from './systems/hardware.js';
export { GPUS, HOSTS, LINKS, gpuPreset, hostPreset, linkPreset, type GpuSpec, type HostSpec, type LinkSpec } from './hardware/index.js';

// Scenarios (the runner's own layers, for callers that need a plan or a checkpointed run)
export { loadScenario, loadScenarioSource, runPlan, ScenarioError, type LoadedScenario, type Plan, type RunOptions, type RunOutcome, type Progress, type Registry } from './scenario/index.js';

// Results and reports
export type { ResultsFile, RunRecord, Comparison, Winner, Interval } from './report/types.js';
export { readResults, serializeResults, writeOutputs, buildCharts, resultsTable, metricAt, flattenMetrics, metricDirection, fmt, type Chart } from './report/index.js';

// Study helpers
export { knee, reach, crossings, textTable, lineSpec, chartSvg, chartBundle, VEGALITE_MIME, type Knee, type KneeOptions, type Crossing, type Column, type LineSpecOptions, type Mark, type Spec } from './study/index.js';

// Tracing a run, errors, version
export { WindowRecorder } from './metrics/recorders.js';
export type { TraceSink } from './engine/trace.js';
export { InputError, ConfigError, InvariantError, MemoryError } from './errors.js';
export { servesimVersion } from './version.js';
