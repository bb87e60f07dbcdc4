/**
 * One measured run, simulated: the scenario run by the library API (src/api runScenario) with
 * `--set` overrides that drop its sweep, narrow its policies to the one the run used, and apply the
 * run's configuration and a candidate set of free-parameter values, so they pass the same
 * validation as the command line. Any system works: nothing here knows moe, edit or t2i.
 *
 * The scenario itself is loaded once up front, so its own problems name its own lines; problems of
 * an override are reported where the user can fix them: a configuration cell against the CSV's
 * file/line/column, a free parameter against its `--free` flag.
 */
import { runScenario } from '../api/run.js';
import { ConfigError, InputError } from '../errors.js';
import type { Metrics } from '../metrics/types.js';
import { REGISTRY } from '../registry.js';
import { flattenMetrics, metricAt } from '../report/metrics.js';
import { loadScenario } from '../scenario/load.js';
import { isPlainObject } from '../scenario/paths.js';
import { ScenarioError, type Registry } from '../scenario/types.js';
import type { MeasuredRow } from './measured.js';

export type Evaluate = (row: MeasuredRow, params: Readonly<Record<string, number>>) => Promise<Metrics>;

export interface EvaluatorOptions {
  /** The measured-runs file, for locating problems in a row. */
  measuredFile: string;
  registry?: Registry;
}

export function scenarioEvaluator(scenarioFile: string, opts: EvaluatorOptions): Evaluate {
  const registry = opts.registry ?? REGISTRY;
  const { plan } = loadScenario(scenarioFile, { registry });
  const raw = plan.raw;
  const policies = Array.isArray(raw.policies) ? raw.policies : [];
  const labels = policies.map((p: unknown) => (isPlainObject(p) ? String(p.label) : '?'));
  const cache = new Map<string, Promise<Metrics>>();

  const simulate = async (row: MeasuredRow, params: Readonly<Record<string, number>>): Promise<Metrics> => {
    const at = { file: opts.measuredFile, line: row.line };
    let chosen = 0;
    if (row.policy !== undefined) {
      chosen = labels.indexOf(row.policy);
      if (chosen < 0) throw new InputError(`no policy labelled '${row.policy}' in ${scenarioFile} (labels: ${labels.join(', ')})`, { ...at, field: 'policy' });
    } else if (policies.length > 1) {
      throw new InputError(`${scenarioFile} has ${policies.length} policies; add a 'policy' column naming the one this run used (${labels.join(', ')})`, at);
    }
    const set = [
      'sweep={}',
      `policies=${JSON.stringify(policies.slice(chosen, chosen + 1))}`,
      ...[...Object.entries(row.config), ...Object.entries(params)].map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ];
    try {
      const results = await runScenario(scenarioFile, { jobs: 1, set, registry });
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
  const first = e instanceof ScenarioError ? e.problems[0] : undefined;
  const detail = first ? first.message : e instanceof InputError ? e.detail : e instanceof ConfigError ? e.message : undefined;
  if (detail === undefined) return e;
  const field = culprit(first?.path ?? (e instanceof ConfigError ? e.field : undefined), row, params);
  if (field !== undefined && field in params && !(field in row.config)) return new InputError(`--free ${field}: ${detail}`);
  if (field === undefined && first) return new InputError(`${first.path}: ${detail}`, { file: measuredFile, line: row.line });
  return new InputError(detail, { file: measuredFile, line: row.line, ...(field !== undefined ? { field } : {}) });
}

/**
 * The CSV column or free parameter whose path contains the problem's path. The policies are
 * narrowed to one, so `policies[0].policy.x` is the column `policy.x`.
 */
function culprit(path: string | undefined, row: MeasuredRow, params: Readonly<Record<string, number>>): string | undefined {
  if (path === undefined) return undefined;
  const p = path.replace(/^policies\[0\]\.policy(?=\.|$)/, 'policy');
  const keys = [...Object.keys(row.config), ...Object.keys(params)].filter((k) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`) || k.startsWith(`${p}.`));
  return keys.sort((a, b) => b.length - a.length)[0];
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
