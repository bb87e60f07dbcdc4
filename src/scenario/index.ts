/** Scenario files, sweeps, the parallel runner and results assembly (public surface). */
export { loadScenario, loadScenarioSource, type LoadOptions, type LoadedScenario } from './load.js';
export { parseScenarioText, readScenarioSource, type ScenarioSource } from './source.js';
export { scenarioSchema, rangeSchema, reportConfigSchema, type CommonScenario, type ReportConfig } from './schema.js';
export { sweepAxes, sweepPoints, rangeValues, applyParams, targetPaths, MAX_RUNS, type SweepAxis, type SweepParams } from './sweep.js';
export { buildPlan, planFromInput, jobsOf, inShard, parseShard, jobKey, type Plan, type Job, type Shard } from './plan.js';
export { executeJob, prepareInput, checkOutput, ganttWindow, type JobResult } from './execute.js';
export { runPlan, CHECKPOINT_FILE, type RunOptions, type RunOutcome, type Progress } from './runner.js';
export { assembleResults, jobResultsOf, meanMetrics, intervalsOf } from './results.js';
export { mergeResults, type ShardFile } from './merge.js';
export { parsePath, formatPath, getPath, setPath, stableStringify } from './paths.js';
export { ScenarioError, formatProblem, type Registry, type ScenarioProblem } from './types.js';
