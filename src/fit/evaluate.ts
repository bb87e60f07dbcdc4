/**
 * One measured run, simulated: the scenario with the run's configuration and a candidate set of
 * free-parameter values applied as `--set` overrides (so they pass the same validation as the
 * command line), its sweep removed and its policies narrowed to the one the run used, run by the
 * scenario runner in this thread. Any system works: nothing here knows moe, edit or t2i.
 *
 * Problems are reported where the user can fix them: a bad configuration cell against the CSV's
 * file/line/column, a bad free parameter against its `--free` flag.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { Metrics } from '../metrics/types.js';
import { REGISTRY } from '../registry.js';
import { flattenMetrics, metricAt } from '../report/metrics.js';
import { loadScenarioSource } from '../scenario/load.js';
import { isPlainObject } from '../scenario/paths.js';
import { runPlan } from '../scenario/runner.js';
import { readScenarioSource, type ScenarioSource } from '../scenario/source.js';
import { ScenarioError, type Registry } from '../scenario/types.js';
import type { MeasuredRow } from './measured.js';

export type Evaluate = (row: MeasuredRow, params: Readonly<Record<string, number>>) => Promise<Metrics>;

export interface EvaluatorOptions {
  /** The measured-runs file, for locating problems in a row. */
  measuredFile: string;
  registry?: Registry;
}

export function scenarioEvaluator(scenarioFile: string, opts: EvaluatorOptions): Evaluate {
  const source = readScenarioSource(scenarioFile);
  return sourceEvaluator(source, dirname(resolve(scenarioFile)), opts);
}

export function sourceEvaluator(source: ScenarioSource, baseDir: string, opts: EvaluatorOptions): Evaluate {
  const registry = opts.registry ?? REGISTRY;
  const cache = new Map<string, Promise<Metrics>>();
  const raw = isPlainObject(source.value) ? source.value : {};
  const policies = Array.isArray(raw.policies) ? raw.policies : [];
  const labels = policies.map((p) => (isPlainObject(p) ? String(p.label) : '?'));

  const simulate = async (row: MeasuredRow, params: Readonly<Record<string, number>>): Promise<Metrics> => {
    const at = { file: opts.measuredFile, line: row.line };
    let chosen = 0;
    if (row.policy !== undefined) {
      chosen = labels.indexOf(row.policy);
      if (chosen < 0) throw new InputError(`no policy labelled '${row.policy}' in ${source.file} (labels: ${labels.join(', ')})`, { ...at, field: 'policy' });
    } else if (policies.length > 1) {
      throw new InputError(`${source.file} has ${policies.length} policies; add a 'policy' column naming the one this run used (${labels.join(', ')})`, at);
    }
    const value = { ...raw, sweep: {}, policies: policies.slice(chosen, chosen + 1) };
    const set = [...Object.entries(row.config), ...Object.entries(params)].map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    try {
      const { plan } = loadScenarioSource({ ...source, value }, baseDir, { registry, set });
      const { results } = await runPlan(plan, { registry, jobs: 1 });
      const run = results.runs[0];
      if (!run) throw new ConfigError(`the scenario ran nothing for ${opts.measuredFile}:${row.line}`);
      return run.metrics as Metrics;
    } catch (e) {
      throw locate(e, row, params, opts.measuredFile);
    }
  };

  return (row, params) => {
    const key = `${row.line}|${JSON.stringify(Object.entries(params))}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = simulate(row, params);
      cache.set(key, hit);
    }
    return hit;
  };
}

/** Re-point a scenario problem at the CSV cell or the `--free` flag that caused it. */
function locate(e: unknown, row: MeasuredRow, params: Readonly<Record<string, number>>, measuredFile: string): unknown {
  const problems = e instanceof ScenarioError ? e.problems : undefined;
  const first = problems?.[0];
  const origin = first?.origin?.replace(/^--set /, '').split('=')[0];
  const field = e instanceof ConfigError ? e.field : origin ?? first?.path;
  // Named by its CSV column or --free flag, a problem needs no scenario path in front.
  const detail = first ? (origin ? first.message : `${first.path}: ${first.message}`) : e instanceof InputError ? e.detail : e instanceof ConfigError ? e.message : undefined;
  if (detail === undefined) return e;
  if (field !== undefined && field in params && !(field in row.config)) return new InputError(`--free ${field}: ${detail}`);
  return new InputError(detail, { file: measuredFile, line: row.line, ...(field !== undefined ? { field } : {}) });
}

/**
 * A measured metric's simulated value: `tpot_ms.mean` or its column form `tpot_ms_mean`.
 * Undefined when the results have no such metric.
 */
export function metricValue(metrics: Metrics, name: string): number | undefined {
  const direct = metricAt(metrics, name);
  if (!Number.isNaN(direct)) return direct;
  const flat = flattenMetrics(metrics).find(([k]) => k.replace(/\./g, '_') === name);
  return flat ? flat[1] : undefined;
}

/** Every metric name a results file offers, in column form, for error messages. */
export function metricNames(metrics: Metrics): string[] {
  return flattenMetrics(metrics).map(([k]) => k.replace(/\./g, '_'));
}
