/**
 * Loading a scenario: read -> apply `--set` -> check the common part -> check the system's parts
 * (model, workload, every policy) -> check every sweep point -> resolve hardware -> plan.
 * Every problem found on the way is collected with its path and the line it came from (or the
 * `--set` that introduced it) and reported together as one ScenarioError (exit code 2).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, InputError } from '../errors.js';
import { gpuPreset, hostPreset, linkPreset } from '../hardware/index.js';
import { resolveHardware } from '../systems/hardware.js';
import type { SystemModule } from '../systems/types.js';
import { servesimVersion } from '../version.js';
import { describeIssues, type RawProblem } from './issues.js';
import { formatPath, getPath, isPlainObject, parsePath, scenarioPathOf, setPath, stableStringify, startsWith, type Path, type PathSegment } from './paths.js';
import { prepareInput } from './execute.js';
import { buildPlan, jobsOf, type Plan } from './plan.js';
import { scenarioSchema, UNSWEEPABLE, type CommonScenario } from './schema.js';
import { readScenarioSource, type ScenarioSource } from './source.js';
import { applyParams, MAX_RUNS, overrideSweep, sweepAxes, sweepPoints, targetPaths } from './sweep.js';
import { ScenarioError, type Registry, type ScenarioProblem } from './types.js';

export interface LoadOptions {
  registry: Registry;
  /** `path=value` overrides (`--set`); `policy.X=v` sets X in every policy. */
  set?: readonly string[];
  /** `--seed N`: same as `--set seed=N`. */
  seed?: number;
}

export interface LoadedScenario {
  plan: Plan;
  common: CommonScenario;
  system: SystemModule;
  /** Number of simulate() calls a full run makes. */
  runs: number;
  /** What the overrides changed beyond their own field (a `--set` replacing a sweep), one line each. */
  notes: string[];
}

interface Override {
  paths: PathSegment[][];
  text: string;
}

/** The system-specific parts of a scenario and the schema each is checked against. */
type Part = 'model' | 'workload' | 'policy';

export function loadScenario(file: string, opts: LoadOptions): LoadedScenario {
  const source = readScenarioSource(file);
  const baseDir = dirname(resolve(file));
  return loadScenarioSource(source, baseDir, opts);
}

export function loadScenarioSource(source: ScenarioSource, baseDir: string, opts: LoadOptions): LoadedScenario {
  const problems: ScenarioProblem[] = [];
  const overrides: Override[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const locate = (path: Path, message: string, forceLine?: Path): void => {
    const override = forceLine ? undefined : overrides.find((o) => o.paths.some((p) => startsWith(path, p)));
    const problem: ScenarioProblem = override
      ? { path: formatPath(path), message, origin: `--set ${override.text}` }
      : { path: formatPath(path), message, file: source.file, line: source.lineOf(forceLine ?? path) };
    const key = `${problem.origin ?? problem.line}|${problem.path}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  };
  const fail = (): never => {
    throw new ScenarioError(problems);
  };

  // 1. The file must hold a mapping.
  if (!isPlainObject(source.value)) {
    locate([], `expected a mapping of scenario fields (name, system, policies, ...), got ${source.value === null ? 'an empty file' : Array.isArray(source.value) ? 'a list' : typeof source.value}`);
    fail();
  }
  let raw = source.value as Record<string, unknown>;

  // 2. Overrides from the command line, in order.
  const sets = [...(opts.set ?? []), ...(opts.seed !== undefined ? [`seed=${opts.seed}`] : [])];
  for (const text of sets) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new InputError(`--set expects path=value (e.g. workload.generator.rps=4), got '${text}'`);
    const key = text.slice(0, eq).trim();
    const value = parseValue(text.slice(eq + 1), text);
    // Sweep keys are themselves dotted paths: `sweep.a.b=[1, 2]` sets the sweep entry 'a.b'.
    const paths = key.startsWith('sweep.') && key.length > 6 ? [['sweep', key.slice(6)]] : targetPaths(key, raw);
    if (paths.length === 0) throw new InputError(`--set ${text}: the scenario has no policies for 'policy.' to set`);
    for (const p of paths) raw = setPath(raw, p, value, key) as Record<string, unknown>;
    overrides.push({ paths, text });
    // The sweep is applied after --set: a set on a swept field would be overwritten at every point.
    if (!key.startsWith('sweep.')) {
      const o = overrideSweep(raw, paths, text);
      raw = o.raw;
      for (const r of o.replaced) notes.push(`--set ${text} replaces the sweep over ${r.key} (${r.values})`);
    }
  }

  // 3. The common part.
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) for (const p of describeIssues(parsed.error.issues, raw, [], scenarioSchema)) locate(p.path, p.message);
  const common = parsed.success ? parsed.data : undefined;
  if (Array.isArray(raw.policies)) {
    const labels = new Map<string, number>();
    raw.policies.forEach((p, i) => {
      const label = isPlainObject(p) && typeof p.label === 'string' ? p.label : undefined;
      if (label === undefined) return;
      const first = labels.get(label);
      if (first !== undefined) locate(['policies', i, 'label'], `duplicate label '${label}' (also policies[${first}]); labels name the results`);
      else labels.set(label, i);
    });
  }

  // 4. The system's parts, checked even when the common part has problems, to list them all.
  const systemName = typeof raw.system === 'string' ? raw.system : undefined;
  const system = systemName !== undefined ? opts.registry.systems[systemName as keyof Registry['systems']] : undefined;
  if (systemName !== undefined && !system && ['moe', 'edit', 't2i'].includes(systemName)) {
    locate(['system'], `system '${systemName}' is not available in this build (available: ${Object.keys(opts.registry.systems).join(', ') || 'none'})`);
  }
  if (system) for (const p of checkParts(system, raw)) locate(p.path, p.message);

  // 5. Sweep keys and every sweep point.
  const sweep = isPlainObject(raw.sweep) ? raw.sweep : {};
  for (const key of Object.keys(sweep)) {
    let path: PathSegment[];
    try {
      path = parsePath(key, 'sweep key');
    } catch (e) {
      locate(['sweep', key], (e as InputError).detail);
      continue;
    }
    if (UNSWEEPABLE.has(String(path[0]))) locate(['sweep', key], `'${path[0]}' cannot be swept (sweep a field inside the scenario, e.g. workload.generator.rps)`);
    else if (path[0] === 'policy' && path.length < 2) locate(['sweep', key], "'policy' needs a field: policy.FIELD sets FIELD in every policy");
  }
  if (common && problems.length === 0) {
    let points: ReturnType<typeof sweepPoints> = [];
    try {
      points = sweepPoints(sweepAxes(common.sweep));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const key = Object.keys(common.sweep).find((k) => !Array.isArray(common.sweep[k])) ?? '';
      locate(['sweep', key], e.detail);
    }
    const runs = points.length * common.policies.length * common.replications;
    if (runs > MAX_RUNS) locate(['sweep'], `the sweep expands to ${runs} runs (points x policies x replications); the limit is ${MAX_RUNS}`);
    else if (system) checkPoints(system, raw, common, points, locate);
  }

  // 6. Hardware and trace files, once per distinct value (every sweep point once the rest is valid).
  checkResources(raw, common && problems.length === 0 ? common.sweep : {}, baseDir, source.file, locate);
  if (problems.length > 0 || !common || !system) fail();

  const plan = buildPlan(common!, raw, source.file, baseDir, servesimVersion());
  plan.fieldLines = keyLines(raw, source, overrides);
  // 7. Configurations that can never run (nothing fits), for every point and policy, before any run.
  preflight(system!, plan, raw, locate);
  if (problems.length > 0) fail();
  return { plan, common: common!, system: system!, runs: jobsOf(plan).length, notes };
}

/**
 * The system's pre-flight (SystemModule.check) on every (sweep point, policy). A ConfigError's
 * `field` (`policy.cache_experts`, `model.top_k`, `hardware.gpu`) is mapped to the scenario path
 * that set it, so the line shown is the policy's, the model's, or the sweep entry's. Each distinct
 * problem is reported once, with the first policy and point that hit it.
 */
function preflight(system: SystemModule, plan: Plan, raw: Record<string, unknown>, locate: (path: Path, message: string, forceLine?: Path) => void): void {
  if (!system.check) return;
  const seen = new Set<string>();
  const checked = new Set<string>();
  const keys = plan.sweepKeys;
  for (const job of jobsOf(plan)) {
    if (job.replication !== 0) continue;
    // Each distinct (hardware, model, workload, policy) once: replications and repeated points add nothing.
    const point = applyParams(plan.raw, plan.points[job.point]!) as Record<string, unknown>;
    const policies = point.policies as unknown[];
    const signature = stableStringify([point.hardware, point.model, point.workload, policies[job.policy]]);
    if (checked.has(signature)) continue;
    checked.add(signature);
    try {
      system.check(prepareInput(system, plan, job));
    } catch (e) {
      if (!(e instanceof ConfigError) && !(e instanceof InputError)) throw e;
      const detail = e instanceof InputError ? e.detail : e.message;
      const fields = e instanceof ConfigError ? (e.fields ?? []) : e.field !== undefined ? [e.field] : [];
      const paths = fields.map((f) => scenarioPathOf(f, job.policy));
      // The first field the scenario sets (or sweeps), else the first one named.
      const set = (p: Path) => getPath(raw, p) !== undefined || keys.some((k) => targetPaths(k, raw).some((t) => startsWith(p, t)));
      const path = paths.find(set) ?? paths[0] ?? ['policies', job.policy];
      const sig = `${formatPath(path)}|${detail}`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      const params = plan.points[job.point]!;
      const at = keys.length ? ` at ${keys.map((k) => `${k}=${JSON.stringify(params[k])}`).join(', ')}` : '';
      const message = `${detail} (policy '${plan.policies[job.policy]}'${at})`;
      const key = keys.find((k) => targetPaths(k, raw).some((t) => startsWith(path, t) || startsWith(t, path)));
      if (key !== undefined) locate(path, message, ['sweep', key]);
      else locate(path, message);
    }
  }
}

/**
 * The file line of every key path of the scenario (formatPath form), 0 for one a `--set` gave: a
 * ConfigError found only while running names a field, and the run is told the line from this
 * (workers have the plan, not the file). Lists of plain values are not walked into.
 */
function keyLines(raw: Record<string, unknown>, source: ScenarioSource, overrides: Override[]): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown, path: PathSegment[]): void => {
    if (path.length > 0) {
      const given = overrides.some((o) => o.paths.some((p) => startsWith(path, p)));
      const line = given ? 0 : source.lineOf(path);
      if (line !== undefined) out[formatPath(path)] = line;
    }
    if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    else if (Array.isArray(v) && v.some((x) => isPlainObject(x) || Array.isArray(x))) v.forEach((x, i) => walk(x, [...path, i]));
  };
  walk(raw, []);
  return out;
}

/** The model, workload and policies of one (materialised) scenario against the system's schemas. */
function checkParts(system: SystemModule, raw: Record<string, unknown>): RawProblem[] {
  const out: RawProblem[] = [];
  const check = (part: Part, value: unknown, prefix: PathSegment[]) => {
    const schema = part === 'model' ? system.modelSchema : part === 'workload' ? system.workloadSchema : system.policySchema;
    const r = schema.safeParse(value ?? {});
    if (!r.success) out.push(...describeIssues(r.error.issues, value ?? {}, prefix, schema));
  };
  if (raw.model === undefined || isPlainObject(raw.model)) check('model', raw.model, ['model']);
  if (raw.workload === undefined || isPlainObject(raw.workload)) check('workload', raw.workload, ['workload']);
  if (Array.isArray(raw.policies)) {
    raw.policies.forEach((p, i) => {
      if (isPlainObject(p) && (p.policy === undefined || isPlainObject(p.policy))) check('policy', p.policy, ['policies', i, 'policy']);
    });
  }
  return out;
}

/**
 * Each sweep point materialised and checked. A problem inside a swept field is reported at the
 * sweep entry's line, naming the value, since that is where the user wrote it.
 */
function checkPoints(
  system: SystemModule,
  raw: Record<string, unknown>,
  common: CommonScenario,
  points: Record<string, unknown>[],
  locate: (path: Path, message: string, forceLine?: Path) => void,
): void {
  const keys = Object.keys(common.sweep);
  if (keys.length === 0) return;
  const checked = new Set<string>();
  for (const params of points) {
    const point = applyParams(raw, params) as Record<string, unknown>;
    // Only the parts a sweep touches can differ from the base scenario, which already passed.
    const signature = stableStringify(keys.map((k) => targetPaths(k, raw).map((p) => getPath(point, p.slice(0, p[0] === 'policies' ? 3 : 1)))));
    if (checked.has(signature)) continue;
    checked.add(signature);
    const common2 = scenarioSchema.safeParse(point);
    const issues = common2.success ? [] : describeIssues(common2.error.issues, point, [], scenarioSchema);
    for (const p of [...issues, ...checkParts(system, point)]) {
      const key = keys.find((k) => targetPaths(k, raw).some((t) => startsWith(p.path, t) || startsWith(t, p.path)));
      if (key !== undefined) locate(p.path, `${p.message} (sweep value ${JSON.stringify(params[key])} of '${key}')`, ['sweep', key]);
      else locate(p.path, p.message);
    }
  }
}

/** Hardware presets/profiles resolve, and a workload's trace file exists. */
function checkResources(
  raw: Record<string, unknown>,
  sweep: CommonScenario['sweep'],
  baseDir: string,
  file: string,
  locate: (path: Path, message: string, forceLine?: Path) => void,
): void {
  const points = sweepPoints(sweepAxes(sweep));
  const done = new Set<string>();
  for (const params of points) {
    const point = applyParams(raw, params) as Record<string, unknown>;
    const sweptKey = (prefix: string) => Object.keys(params).find((k) => k === prefix || k.startsWith(`${prefix}.`));
    const hwKey = `hw:${stableStringify(point.hardware)}`;
    if (!done.has(hwKey)) {
      done.add(hwKey);
      const report = (e: unknown) => {
        if (!(e instanceof InputError) && !(e instanceof ConfigError)) throw e;
        // A problem inside another file (the profile) keeps that file's own location in the message.
        const inOther = e instanceof InputError && e.file !== undefined && e.file !== file;
        const field = inOther ? 'hardware.profile' : e instanceof InputError && e.field ? e.field : e instanceof ConfigError && e.field ? e.field : 'hardware';
        const key = sweptKey('hardware');
        const msg = e instanceof InputError && !inOther ? e.detail : e.message;
        if (key) locate(parsePath(field), `${msg} (sweep value ${JSON.stringify(params[key])} of '${key}')`, ['sweep', key]);
        else locate(parsePath(field), msg);
      };
      const hw = scenarioSchema.shape.hardware.safeParse(point.hardware);
      if (hw.success) {
        try {
          resolveHardware(hw.data, baseDir, { file });
        } catch (e) {
          report(e);
        }
      } else if (isPlainObject(point.hardware)) {
        // Other hardware fields are wrong too; still check each preset name on its own.
        const h = point.hardware;
        const names: Array<[string, (n: string, w: { field: string }) => unknown]> = [
          ['gpu', gpuPreset],
          ['host', hostPreset],
          ['pcie', linkPreset],
          ['interconnect', linkPreset],
          ['disk', linkPreset],
          ['remote', linkPreset],
        ];
        for (const [field, lookup] of names) {
          if (typeof h[field] !== 'string') continue;
          try {
            lookup(h[field] as string, { field: `hardware.${field}` });
          } catch (e) {
            report(e);
          }
        }
      }
    }
    const trace = getPath(point, ['workload', 'trace']);
    if (typeof trace === 'string' && !done.has(`trace:${trace}`)) {
      done.add(`trace:${trace}`);
      const full = isAbsolute(trace) ? trace : resolve(baseDir, trace);
      if (!existsSync(full)) {
        const key = sweptKey('workload');
        const msg = `trace file not found: ${full}`;
        if (key) locate(['workload', 'trace'], msg, ['sweep', key]);
        else locate(['workload', 'trace'], msg);
      }
    }
  }
}

/** A `--set` value is YAML: `4` is a number, `[1, 2]` a list, `lru` a string. */
function parseValue(text: string, whole: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: 10 });
  } catch (e) {
    throw new InputError(`--set ${whole}: cannot parse the value (${(e as Error).message.split('\n')[0]})`);
  }
}

