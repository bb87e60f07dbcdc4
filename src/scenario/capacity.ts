/**
 * Capacity planning (`servesim capacity`): for each policy, the highest load whose SLOs are met
 * (rate mode), or the fewest GPUs that meet them at a fixed load (gpus mode).
 *
 *   chains: one per (policy, replication), each a sequential search on its own seed
 *     rate:  probe the start value; double (or halve) until the SLOs flip; bisect the bracket
 *            until it is within `tolerance` (relative; integer knobs: adjacent integers)
 *     gpus:  probe the most GPUs (not met -> none suffice), the fewest (met -> done); bisect
 *   chains share --jobs workers; every probe is one simulate() call (a "run")
 *   per policy: the replications' values -> mean with a 95% t-interval, the value met by every
 *   replication, and the metrics at capacity; policies compared pairwise on the same seeds
 *
 * Each replication keeps its seed across probes (common random numbers), so along one chain only
 * the knob changes: for Poisson arrivals a higher rate is the same arrival sequence compressed.
 * Bisection assumes the SLO metrics get worse as load rises (and better with more GPUs); where a
 * policy breaks that (a batching policy whose latency drops with load), the search still returns a
 * rate that met the SLOs, but maybe not the highest.
 */
import { availableParallelism } from 'node:os';
import { ConfigError, InputError } from '../errors.js';
import { meanCI, pairedDifference } from '../metrics/ci.js';
import { roundSig } from '../metrics/summary.js';
import type { Metrics } from '../metrics/types.js';
import { flattenMetrics, headlineMetrics, metricAt, metricDirection } from '../report/metrics.js';
import type { CapacityPolicy, CapacityProbe, CapacityReplication, CapacitySection, Interval, ResultsFile, RunRecord } from '../report/types.js';
import type { SystemName } from '../systems/types.js';
import { libraryVersions, servesimVersion } from '../version.js';
import { executeJob, type JobResult } from './execute.js';
import { isAbortError } from './errors.js';
import { getPath, parsePath } from './paths.js';
import type { Job, Plan } from './plan.js';
import { WorkerPool, workerFiles } from './pool.js';
import { intervalsOf, meanMetrics } from './results.js';
import { checkMetricPaths, meetsAll, type Slo } from './slo.js';
import type { Registry } from './types.js';

/** What the search varies: a scenario path, its unit, and whether it takes integers. */
export interface Knob {
  path: string;
  unit: string;
  integer: boolean;
}

/**
 * The load knob of each system. edit and t2i: the generator's Poisson arrival rate. moe decodes a
 * closed batch (no arrivals): its load is the number of concurrent decode streams.
 */
export const RATE_KNOBS = {
  edit: { path: 'workload.generator.rps', unit: 'requests/s', integer: false },
  t2i: { path: 'workload.generator.rps', unit: 'requests/s', integer: false },
  moe: { path: 'policy.batch_size', unit: 'concurrent decode streams', integer: true },
} as const satisfies Record<SystemName, Knob>;

export const GPU_KNOB: Knob = { path: 'hardware.gpus', unit: 'GPUs', integer: true };

/** Throughput metrics recorded by default when a system reports them. */
const DEFAULT_METRICS = ['throughput_per_s', 'tokens_per_s'];

export interface CapacityOptions {
  registry: Registry;
  slos: readonly Slo[];
  /** Extra metric paths to record at every probe and report at capacity. */
  metrics?: readonly string[];
  mode?: 'rate' | 'gpus';
  /** rate mode: the knob (default RATE_KNOBS[system]). */
  knob?: Knob;
  /** rate mode: first value tried (default: the scenario's value, else 1). */
  start?: number;
  /** rate mode: bounds of the search (default start / 1024 .. start * 1024; integers from 1). */
  min?: number;
  max?: number;
  /** rate mode: stop when (hi - lo) <= tolerance * lo. __Default value:__ 0.02 */
  tolerance?: number;
  /** gpus mode: the GPU counts searched, and the load held (default the scenario's). */
  gpus?: { from: number; to: number };
  rate?: number;
  /** Replications (seeds seed .. seed + n - 1); default the scenario's. */
  replications?: number;
  /** Parallel simulate() calls; 1 runs in this thread. */
  jobs?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; fraction: number }) => void;
  /** Module exporting REGISTRY for worker threads. */
  registryModule?: string;
}

export interface CapacityOutcome {
  results: ResultsFile;
  capacity: CapacitySection;
}

interface Probe extends CapacityProbe {
  result: JobResult;
}

interface ChainOutcome {
  replication: CapacityReplication;
  probes: Probe[];
  /** The probe at the replication's capacity (rate: highest met; gpus: fewest met). */
  best?: Probe;
}

/** `A..B` or `N` (= 1..N) GPU counts. */
export function parseGpuRange(text: string): { from: number; to: number } {
  const m = /^\s*(?:(\d+)\s*\.\.\s*)?(\d+)\s*$/.exec(text);
  const from = m ? Number(m[1] ?? 1) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!m || !(from >= 1) || !(to >= from)) throw new InputError(`--gpus expects a GPU count range A..B with 1 <= A <= B (e.g. 1..16), got '${text}'`);
  return { from, to };
}

export async function runCapacity(plan: Plan, opts: CapacityOptions): Promise<CapacityOutcome> {
  const startedAt = new Date();
  const mode = opts.mode ?? 'rate';
  const rateKnob = opts.knob ?? RATE_KNOBS[plan.system];
  const knob = mode === 'gpus' ? GPU_KNOB : rateKnob;
  const R = opts.replications ?? plan.replications;
  if (!(Number.isInteger(R) && R >= 1)) throw new InputError(`--replications expects a positive integer, got ${R}`);
  if (opts.slos.length === 0) throw new InputError('capacity needs at least one --slo (e.g. --slo "latency_ms.p99<=2000")');
  const notes: string[] = [];
  checkKnob(plan, rateKnob, mode);
  if (mode === 'gpus' && plan.system === 'moe') throw new InputError('--gpus: the moe system simulates one GPU; GPU counts apply to edit and t2i');
  if (plan.sweepKeys.length > 0) notes.push(`the scenario's sweep (${plan.sweepKeys.join(', ')}) is not used: the search starts from the base scenario`);

  // The fixed part of every probe, and the search bounds.
  const fixed: Record<string, unknown> = {};
  let start: number;
  let min: number;
  let max: number;
  const tolerance = opts.tolerance ?? 0.02;
  if (!(tolerance > 0 && tolerance < 1)) throw new InputError(`--tolerance expects a fraction in (0, 1), got ${tolerance}`);
  if (mode === 'gpus') {
    const g = opts.gpus ?? { from: 1, to: 16 };
    start = g.to;
    min = g.from;
    max = g.to;
    const rate = opts.rate ?? currentValue(plan, rateKnob);
    if (rate !== undefined) fixed[rateKnob.path] = rate;
  } else {
    start = opts.start ?? currentValue(plan, rateKnob) ?? 1;
    if (rateKnob.integer) start = Math.max(1, Math.round(start));
    min = opts.min ?? (rateKnob.integer ? 1 : start / 1024);
    max = opts.max ?? start * 1024;
    if (!(min > 0 && max >= start && start >= min)) throw new InputError(`capacity search bounds need 0 < min <= start <= max, got min ${min}, start ${start}, max ${max}`);
  }
  const extra = [...new Set(opts.metrics ?? [])];

  // Execution: a worker pool of `width`, or this thread.
  const width = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), plan.policies.length * R));
  const pool = width > 1 ? new WorkerPool(width, plan, opts.registryModule ?? workerFiles().registry.href) : undefined;
  const slots = new Semaphore(width);
  let index = 0;
  let checked = false;
  let recorded: string[] = [];
  const runProbe = async (policy: number, replication: number, value: number): Promise<Probe> => {
    const params = { ...fixed, [knob.path]: knob.integer ? value : roundSig(value, 6) };
    const p: Plan = { ...plan, points: [params], sweepKeys: Object.keys(params), gantt: null };
    const job: Job = { index: index++, point: 0, policy, replication, seed: plan.seed + replication, traced: false };
    await slots.acquire();
    let result: JobResult;
    try {
      if (opts.signal?.aborted) throw abortError();
      result = pool ? await pool.run(job, p) : await executeJob(opts.registry, p, job, { signal: opts.signal });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // Cannot run at this value (e.g. too few GPUs for the placement): not met, and said why.
      const probe: Probe = { replication, value: params[knob.path] as number, met: false, metrics: {}, infeasible: e.message, result: undefined as never };
      return probe;
    } finally {
      slots.release();
    }
    if (!checked) {
      checked = true;
      checkMetricPaths(result.metrics, opts.slos.map((s) => s.metric), '--slo');
      checkMetricPaths(result.metrics, extra, '--metric');
      const present = new Set(flattenMetrics(result.metrics).map(([k]) => k));
      recorded = [...new Set([...opts.slos.map((s) => s.metric), ...extra, ...DEFAULT_METRICS.filter((m) => present.has(m))])];
    }
    const metrics: Record<string, number> = {};
    for (const m of recorded) metrics[m] = metricAt(result.metrics, m);
    done++;
    report();
    return { replication, value: params[knob.path] as number, met: meetsAll(result.metrics, opts.slos), metrics, result };
  };

  // Progress: runs done over an estimate of the runs a chain takes.
  const chains = plan.policies.length * R;
  const perChain = mode === 'gpus' ? 2 + Math.ceil(Math.log2(Math.max(2, max - min))) : 3 + Math.ceil(Math.log2(1 / tolerance));
  let done = 0;
  let chainsDone = 0;
  const report = () => {
    const total = Math.max(done, chains * perChain);
    opts.onProgress?.({ done, total, fraction: Math.min(1, Math.max(chainsDone / chains, done / total)) });
  };

  const onAbort = () => pool?.abort();
  opts.signal?.addEventListener('abort', onAbort);
  let outcomes: ChainOutcome[][];
  try {
    const tasks = plan.policies.map((_, policy) =>
      Promise.all(
        Array.from({ length: R }, async (_, r) => {
          const probe = (v: number) => runProbe(policy, r, v);
          const out = mode === 'gpus' ? await searchGpus(probe, min, max) : await searchRate(probe, { start, min, max, tolerance, integer: knob.integer });
          // Nothing ran at all: the configuration itself is the problem, not the load.
          const blocked = out.probes.find((p) => p.infeasible !== undefined);
          if (blocked && out.probes.every((p) => p.infeasible !== undefined)) throw new ConfigError(`${plan.policies[policy]}: ${blocked.infeasible}`);
          chainsDone++;
          report();
          return { ...out, replication: { ...out.replication, replication: r, seed: plan.seed + r } };
        }),
      ),
    );
    outcomes = await settleAll(tasks, () => pool?.abort());
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
  }

  // Per policy: values, interval, metrics at capacity.
  const policies: CapacityPolicy[] = [];
  const runs: RunRecord[] = [];
  outcomes.forEach((chainsOf, policy) => {
    const label = plan.policies[policy]!;
    const values = chainsOf.map((c) => c.replication.value);
    const complete = values.every((v): v is number => v !== null);
    const value = complete ? roundInterval(meanCI(values as number[])) : null;
    const guaranteed = !complete ? null : mode === 'gpus' ? Math.max(...(values as number[])) : Math.min(...(values as number[]));
    const bests = chainsOf.map((c) => c.best).filter((b): b is Probe => b !== undefined);
    const atCapacity: Record<string, Interval> = {};
    if (bests.length > 0) for (const m of recorded) atCapacity[m] = roundInterval(meanCI(bests.map((b) => b.metrics[m]!)));
    const probes = chainsOf.flatMap((c) => c.probes.map(({ result: _r, ...p }) => p));
    policies.push({ policy: label, value, guaranteed, replications: chainsOf.map((c) => c.replication), at_capacity: atCapacity, runs: probes.length, probes });
    const statuses = chainsOf.map((c) => c.replication.status);
    if (statuses.includes('below-range')) notes.push(`${label}: the SLOs were not met even at ${knob.path}=${fmtValue(min)} in some replication(s)`);
    if (statuses.includes('above-range')) {
      notes.push(mode === 'gpus' ? `${label}: the SLOs were not met even with ${max} GPUs in some replication(s)` : `${label}: the SLOs still held at the search maximum ${knob.path}=${fmtValue(max)}; the capacity is at least that`);
    }
    const infeasible = probes.filter((p) => p.infeasible !== undefined);
    if (infeasible.length > 0) notes.push(`${label}: ${infeasible.length} run(s) could not be configured and count as not meeting the SLOs (e.g. ${knob.path}=${infeasible[0]!.value}: ${infeasible[0]!.infeasible})`);
    if (bests.length > 0) runs.push(runAtCapacity(label, knob, bests, value));
  });
  if (R === 1) notes.push('one replication: no confidence intervals (use --replications 3 or more)');

  const comparisons: CapacitySection['comparisons'] = [];
  for (let i = 0; i < policies.length; i++) {
    for (let j = i + 1; j < policies.length; j++) {
      const a = policies[i]!.replications.map((x) => x.value);
      const b = policies[j]!.replications.map((x) => x.value);
      if (a.some((x) => x === null) || b.some((x) => x === null)) continue;
      // Shown as an absolute difference of capacities (report/capacity.ts), so tested as one.
      const d = pairedDifference(a as number[], b as number[], null);
      comparisons.push({ a: policies[i]!.policy, b: policies[j]!.policy, difference: { ...roundInterval(d), relative: roundSig(d.relative), significant: d.significant } });
    }
  }

  const capacity: CapacitySection = {
    mode,
    knob: knob.path,
    unit: knob.unit,
    integer: knob.integer,
    slo: opts.slos.map((s) => ({ metric: s.metric, op: s.op, threshold: s.threshold, text: s.text })),
    metrics: recorded.filter((m) => !opts.slos.some((s) => s.metric === m)),
    fixed,
    search: { start, min, max, tolerance, replications: R },
    policies,
    comparisons,
    runs_spent: policies.reduce((a, p) => a + p.runs, 0),
    notes,
  };
  const finishedAt = new Date();
  const paths = [...new Set(runs.flatMap((r) => flattenMetrics(r.metrics).map(([p]) => p)))];
  const overrides = { lower: plan.report.lower_is_better, higher: plan.report.higher_is_better };
  const results: ResultsFile = {
    servesim: servesimVersion(),
    scenario: {
      name: plan.name,
      system: plan.system,
      seed: plan.seed,
      replications: R,
      ...(plan.description !== undefined ? { description: plan.description } : {}),
      file: plan.file,
      fingerprint: plan.fingerprint,
    },
    runs,
    comparisons: [],
    winners: [],
    sweep: { keys: [], points: [{}] },
    headline: headlineMetrics(paths, plan.report.metrics).map((metric) => ({ metric, direction: metricDirection(metric, overrides) })),
    gantt: [],
    input: plan.raw,
    versions: { servesim: servesimVersion(), ...libraryVersions() },
    complete: true,
    missing: [],
    shard: null,
    capacity,
    wallclock: {
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      wall_s: roundSig((finishedAt.getTime() - startedAt.getTime()) / 1000, 4),
      jobs: width,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      run_wall_s: {},
    },
  };
  return { results, capacity };
}

// --- the searches ---------------------------------------------------------------------------

type ProbeFn = (value: number) => Promise<Probe>;

/** Highest value meeting the SLOs: bracket by doubling/halving from `start`, then bisect. */
export async function searchRate(probe: ProbeFn, o: { start: number; min: number; max: number; tolerance: number; integer: boolean }): Promise<ChainOutcome> {
  const probes: Probe[] = [];
  const run = async (v: number) => {
    const p = await probe(v);
    probes.push(p);
    return p;
  };
  let lo: Probe | undefined;
  let hi: Probe | undefined;
  let status: CapacityReplication['status'] = 'found';
  const first = await run(o.start);
  if (first.met) {
    lo = first;
    while (!hi) {
      if (lo.value >= o.max) {
        status = 'above-range';
        break;
      }
      const p = await run(Math.min(o.max, lo.value * 2));
      if (p.met) lo = p;
      else hi = p;
    }
  } else {
    hi = first;
    while (!lo) {
      const next = o.integer ? Math.floor(hi.value / 2) : hi.value / 2;
      if (next < o.min || hi.value <= o.min) {
        // One last try at the minimum itself before giving up.
        if (hi.value > o.min) {
          const p = await run(o.min);
          if (p.met) lo = p;
          else hi = p;
          if (lo) break;
        }
        status = 'below-range';
        break;
      }
      const p = await run(next);
      if (p.met) lo = p;
      else hi = p;
    }
  }
  if (lo && hi) {
    const converged = (a: number, b: number) => (o.integer ? b - a <= 1 : b - a <= o.tolerance * a);
    while (!converged(lo.value, hi.value)) {
      const mid = o.integer ? Math.floor((lo.value + hi.value) / 2) : (lo.value + hi.value) / 2;
      const p = await run(mid);
      if (p.met) lo = p;
      else hi = p;
    }
  }
  return {
    replication: { replication: 0, seed: 0, value: lo ? lo.value : 0, bracket: [lo?.value ?? null, hi?.value ?? null], status, runs: probes.length },
    probes,
    ...(lo ? { best: lo } : {}),
  };
}

/** Fewest GPUs in [from, to] meeting the SLOs (more GPUs assumed never worse). */
export async function searchGpus(probe: ProbeFn, from: number, to: number): Promise<ChainOutcome> {
  const probes: Probe[] = [];
  const run = async (v: number) => {
    const p = await probe(v);
    probes.push(p);
    return p;
  };
  const most = await run(to);
  if (!most.met) {
    return { replication: { replication: 0, seed: 0, value: null, bracket: [to, null], status: 'above-range', runs: probes.length }, probes };
  }
  let hi = most;
  let loValue = from - 1;
  if (from < to) {
    const fewest = await run(from);
    if (fewest.met) hi = fewest;
    else loValue = from;
  }
  while (hi.value - loValue > 1) {
    const p = await run(Math.floor((loValue + hi.value) / 2));
    if (p.met) hi = p;
    else loValue = p.value;
  }
  return {
    replication: { replication: 0, seed: 0, value: hi.value, bracket: [loValue >= from ? loValue : null, hi.value], status: 'found', runs: probes.length },
    probes,
    best: hi,
  };
}

// --- helpers --------------------------------------------------------------------------------

/** The knob must exist in this kind of scenario: a rate needs a generator, not a trace file. */
function checkKnob(plan: Plan, knob: Knob, mode: 'rate' | 'gpus'): void {
  const path = parsePath(knob.path, '--knob');
  if (path[0] === 'workload' && getPath(plan.raw, ['workload', 'trace']) !== undefined) {
    const what = mode === 'gpus' ? 'the load is the trace itself' : `capacity varies ${knob.path}`;
    if (mode === 'rate') throw new InputError(`${what}, but this scenario replays a trace file (workload.trace); use workload.generator, or --knob PATH for another field`);
  }
}

/** The scenario's value of a knob (the first policy's for `policy.X`), when it is a number. */
function currentValue(plan: Plan, knob: Knob): number | undefined {
  const path = parsePath(knob.path, '--knob');
  const v = path[0] === 'policy' ? getPath(plan.raw, ['policies', 0, 'policy', ...path.slice(1)]) : getPath(plan.raw, path);
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/** A results.json run for a policy at capacity: each replication's metrics where it reached its capacity. */
function runAtCapacity(label: string, knob: Knob, bests: Probe[], value: Interval | null): RunRecord {
  const ms: Metrics[] = bests.map((b) => b.result.metrics);
  const first = bests.find((b) => b.replication === 0)?.result;
  return {
    policy: label,
    params: { [knob.path]: value ? value.mean : null },
    point: 0,
    metrics: ms.length === 1 ? ms[0]! : meanMetrics(ms),
    ...(ms.length > 1 ? { intervals: intervalsOf(ms) } : {}),
    replications: bests.map((b) => ({
      replication: b.replication,
      seed: b.result.seed,
      metrics: b.result.metrics,
      conservation: b.result.conservation,
      simulated_s: b.result.simulatedSeconds,
      events: b.result.events,
    })),
    latency_cdf: first?.latencyCdf ?? [],
    utilisation: first?.utilisation ?? [],
  };
}

function roundInterval(i: Interval): Interval {
  return { mean: roundSig(i.mean), ci95: roundSig(i.ci95), lo: roundSig(i.lo), hi: roundSig(i.hi), n: i.n };
}

function fmtValue(v: number): string {
  return String(roundSig(v, 6));
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** Like Promise.all, but on the first failure stops the rest (via `stop`) and waits for them before rethrowing. */
async function settleAll<T>(tasks: Promise<T>[], stop: () => void): Promise<T[]> {
  let failure: unknown;
  const out = await Promise.all(
    tasks.map((t) =>
      t.catch((e) => {
        if (failure === undefined || (isAbortError(failure) && !isAbortError(e))) {
          if (failure === undefined) stop();
          failure = e;
        }
        return undefined as T;
      }),
    ),
  );
  if (failure !== undefined) throw failure;
  return out;
}

/** At most `n` simulate() calls at once; waiters are served in arrival order. */
class Semaphore {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
