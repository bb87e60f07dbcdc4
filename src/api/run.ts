/**
 * A whole scenario from code: a scenario file or object, with `--set`-style overrides and a seed,
 * run by the scenario runner exactly as `servesim run` runs it (same plan, same worker pool, same
 * results), returning the results object instead of writing files. Use writeOutputs (report) to
 * write results.json and report.html from it.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { REGISTRY } from '../registry.js';
import type { ResultsFile } from '../report/types.js';
import { loadScenario, loadScenarioSource } from '../scenario/load.js';
import { runPlan, type Progress } from '../scenario/runner.js';
import type { Registry } from '../scenario/types.js';
import type { SystemName } from '../systems/types.js';
import type { ScenarioObject } from './configs.js';
import { objectSource } from './source.js';

export interface RunScenarioOptions {
  /** Parallel jobs (worker threads); 1 runs in this thread. __Default value:__ all cores */
  jobs?: number;
  /** Base seed (replication r uses seed + r), as `--seed`. */
  seed?: number;
  /** `path=value` overrides, as `--set` (`workload.generator.rps=4`, `policy.cache=lfu`). */
  set?: readonly string[];
  /** For a scenario object: the directory its relative paths resolve against. __Default value:__ the working directory */
  baseDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Systems to choose from. __Default value:__ the built-in REGISTRY */
  registry?: Registry;
  /** Module exporting that registry as REGISTRY, which worker threads import (needed with a custom registry and jobs > 1). */
  registryModule?: string;
}

export async function runScenario<S extends SystemName>(scenario: string | ScenarioObject<S>, opts: RunScenarioOptions = {}): Promise<ResultsFile> {
  const registry = opts.registry ?? REGISTRY;
  if (opts.registry && !opts.registryModule && opts.jobs !== 1) {
    throw new ConfigError('runScenario: a custom registry needs registryModule (the module worker threads import) or jobs: 1');
  }
  const loadOpts = { registry, ...(opts.set ? { set: opts.set } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) };
  const { plan } =
    typeof scenario === 'string'
      ? loadScenario(scenario, loadOpts)
      : loadScenarioSource(objectSource(scenario, `scenario '${scenario.name}'`), resolve(opts.baseDir ?? process.cwd()), loadOpts);
  const { results } = await runPlan(plan, {
    registry,
    ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.registryModule ? { registryModule: opts.registryModule } : {}),
  });
  return results;
}

