/**
 * The work a run will be, before it starts: units (requests or tokens) per run from the system's
 * work model, times policies x sweep points x replications, times the system's measured cost per
 * unit, spread over the worker threads. Then the verdict: say how long when it is more than a few
 * seconds, refuse what cannot finish (the samples for exact percentiles outgrow the memory), and
 * ask for --yes where it merely takes very long. All of it pure but `estimateWork`'s reading of
 * trace sizes, so the arithmetic is testable on hand-computed inputs.
 */
import type { SystemModule } from '../systems/types.js';
import type { Job, Plan } from './plan.js';
import { applyParams } from './sweep.js';

/**
 * Fixed costs, measured on this 2-vCPU VM: the process's and workers' start-up and first-run
 * compilation (about 1.3 s, README "performance"), and the memory of a simulating process before
 * any sample (170-190 MB peak RSS for one small t2i run, 2026-12-07).
 */
export const STARTUP_S = 1.5;
export const BASE_BYTES = 200 * 2 ** 20;

export interface WorkEstimate {
  unit: string;
  runs: number;
  /** Units over all runs, and in the largest run. */
  units: number;
  maxUnitsPerRun: number;
  /** CPU seconds over all runs; wall seconds on `width` threads. */
  cpuSeconds: number;
  wallSeconds: number;
  width: number;
  /** Memory the largest run's samples hold (BASE_BYTES not included). */
  bytesPerRun: number;
  bytesPerUnit: number;
  secondsPerUnit: number;
  source: string;
  /** The scenario field that sets the units, for messages. */
  field: string;
}

/** Units of each job's sweep point, from the system's work model; undefined without one. */
export function unitsPerJob(system: SystemModule, plan: Plan, jobs: readonly Job[]): number[] | undefined {
  const work = system.work;
  if (!work) return undefined;
  const byPoint = new Map<number, number | undefined>();
  const out: number[] = [];
  for (const job of jobs) {
    if (!byPoint.has(job.point)) {
      const point = applyParams(plan.raw, plan.points[job.point]!) as Record<string, unknown>;
      byPoint.set(job.point, work.units(point.workload ?? {}, plan.baseDir));
    }
    const u = byPoint.get(job.point);
    if (u === undefined) return undefined;
    out.push(u);
  }
  return out;
}

/** The estimate for runs of `units` each on `width` threads. */
export function estimateFromUnits(system: Pick<SystemModule, 'work'>, units: readonly number[], width: number): WorkEstimate | undefined {
  const work = system.work;
  if (!work) return undefined;
  const total = units.reduce((a, b) => a + b, 0);
  const max = units.reduce((a, b) => Math.max(a, b), 0);
  const w = Math.max(1, Math.min(width, units.length));
  const cpu = total * work.secondsPerUnit + units.length * work.secondsPerRun;
  return {
    unit: work.unit,
    runs: units.length,
    units: total,
    maxUnitsPerRun: max,
    cpuSeconds: cpu,
    wallSeconds: STARTUP_S + cpu / w,
    width: w,
    bytesPerRun: max * work.bytesPerUnit,
    bytesPerUnit: work.bytesPerUnit,
    secondsPerUnit: work.secondsPerUnit,
    source: work.source,
    field: work.field,
  };
}

export interface Limits {
  /** Memory the runs may use, bytes (the machine's, or its cgroup's). */
  memoryBytes: number;
  /** Longer than this (wall seconds) needs --yes. */
  maxSeconds: number;
  /** Shorter than this is not worth a note. */
  quietBelowSeconds: number;
  /** --yes given. */
  yes: boolean;
  /** --jobs given explicitly (else the thread count may be lowered to fit memory). */
  jobsGiven: boolean;
}

export const DEFAULT_LIMITS: Omit<Limits, 'memoryBytes' | 'yes' | 'jobsGiven'> = { maxSeconds: 24 * 3600, quietBelowSeconds: 5 };

export interface Verdict {
  /** One line for stderr (the estimate), or undefined when the run is short. */
  note?: string;
  /** Why the run is refused (one line, exit 2), or undefined. */
  refuse?: string;
  /** Threads to run on, when fewer than asked so the samples fit in memory. */
  width?: number;
}

export function judge(e: WorkEstimate, limits: Limits): Verdict {
  const need = BASE_BYTES + e.bytesPerRun;
  const per = `${count(e.maxUnitsPerRun)} ${e.unit}s x ${e.bytesPerUnit} bytes`;
  if (need > limits.memoryBytes) {
    return {
      refuse: `this run cannot finish here: its largest run needs about ${bytes(need)} of memory (${per} for exact percentiles) and this machine has ${bytes(limits.memoryBytes)}; lower ${e.field} or use a shorter trace`,
    };
  }
  let width = e.width;
  let est = e;
  if (BASE_BYTES + width * e.bytesPerRun > limits.memoryBytes) {
    const fit = Math.max(1, Math.floor((limits.memoryBytes - BASE_BYTES) / Math.max(1, e.bytesPerRun)));
    if (limits.jobsGiven) {
      return { refuse: `--jobs ${width}: ${width} runs at once need about ${bytes(BASE_BYTES + width * e.bytesPerRun)} of memory (${per} each) and this machine has ${bytes(limits.memoryBytes)}; use --jobs ${fit} or fewer` };
    }
    width = fit;
    est = { ...e, width, wallSeconds: STARTUP_S + e.cpuSeconds / width };
  }
  const what = `${count(est.units)} ${est.unit}s in ${est.runs} run${est.runs === 1 ? '' : 's'} on ${est.width} thread${est.width === 1 ? '' : 's'}, at about ${perUnit(est.secondsPerUnit)} a ${est.unit} (${est.source})`;
  if (est.wallSeconds > limits.maxSeconds && !limits.yes) {
    return { refuse: `this run would take ${duration(est.wallSeconds)} (estimate: ${what}); pass --yes to run it anyway, or make it smaller (${e.field}, the sweep, replications)` };
  }
  const fewer = width < e.width ? `; ${width} run${width === 1 ? '' : 's'} at a time so their samples fit in memory` : '';
  const out: Verdict = {};
  if (est.wallSeconds >= limits.quietBelowSeconds || fewer) out.note = `estimate: ${duration(est.wallSeconds)} for ${what}${fewer}`;
  if (width < e.width) out.width = width;
  return out;
}

/** `about 40 s`, `about 12 min`, `about 3.5 h`, `about 115 days`. */
export function duration(s: number): string {
  if (s < 90) return `about ${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `about ${roundTo(s / 3600)} h`;
  if (s < 3 * 365 * 86400) return `about ${Math.round(s / 86400)} days`;
  return `about ${roundTo(s / (365 * 86400))} years`;
}

/** 8100, 81k, 8.1M, 1.0e12. */
export function count(n: number): string {
  if (n < 1e4) return String(Math.round(n));
  if (n < 1e6) return `${roundTo(n / 1e3)}k`;
  if (n < 1e9) return `${roundTo(n / 1e6)}M`;
  return n.toExponential(1).replace('e+', 'e');
}

/** 1.5 GiB, 300 MiB, 65 TiB. */
export function bytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${roundTo(v)} ${units[i]}`;
}

function perUnit(s: number): string {
  return s >= 1e-3 ? `${roundTo(s * 1e3)} ms` : `${roundTo(s * 1e6)} us`;
}

/** Two significant digits below 10, whole numbers above. */
function roundTo(v: number): string {
  return v < 10 ? String(Math.round(v * 10) / 10) : String(Math.round(v));
}
