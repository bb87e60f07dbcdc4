/**
 * One job = one simulate() call: a policy at a sweep point with one replication's seed. The same
 * function runs in the main thread (serial runs) and in worker threads, so both give the same
 * bytes. It checks the conservation invariant of every output and trims what results.json keeps.
 */
import { ConfigError, formatLocation, InvariantError } from '../errors.js';
import { fanOut, WindowRecorder } from '../metrics/recorders.js';
import type { Conservation, Metrics } from '../metrics/types.js';
import { resolveHardware } from '../systems/hardware.js';
import type { SimulationInput, SimulationOutput, SystemModule } from '../systems/types.js';
import type { GanttData } from '../report/types.js';
import { jobKey, type Job, type Plan } from './plan.js';
import { RequestCsvWriter } from './requests.js';
import { formatPath, scenarioPathOf, startsWith, type Path } from './paths.js';
import { applyParams, targetPaths } from './sweep.js';
import type { Registry } from './types.js';

export interface JobResult {
  index: number;
  point: number;
  policy: number;
  replication: number;
  seed: number;
  metrics: Metrics;
  conservation: Conservation;
  simulatedSeconds: number;
  events: number;
  /** Kept for replication 0 only: the report draws one run per (point, policy). */
  latencyCdf?: SimulationOutput['latencyCdf'];
  utilisation?: SimulationOutput['utilisation'];
  gantt?: GanttData;
  /** Wall-clock seconds; never part of the deterministic output. */
  wallSeconds: number;
}

export function systemOf(registry: Registry, plan: Plan): SystemModule {
  const system = registry.systems[plan.system];
  if (!system) throw new InvariantError(`system '${plan.system}' is not in the registry`);
  return system;
}

/** The SimulationInput of a job (without trace, progress or abort hooks). */
export function prepareInput(system: SystemModule, plan: Plan, job: Job): SimulationInput {
  const point = applyParams(plan.raw, plan.points[job.point]!) as Record<string, any>;
  const entry = (point.policies as Array<{ policy?: unknown }>)[job.policy]!;
  return {
    hardware: resolveHardware(point.hardware ?? {}, plan.baseDir, { file: plan.file }),
    model: system.modelSchema.parse(point.model ?? {}),
    workload: system.workloadSchema.parse(point.workload ?? {}),
    policy: system.policySchema.parse(entry.policy ?? {}),
    seed: job.seed,
    warmup: point.warmup ?? {},
    ...(point.slo?.latency_ms !== undefined ? { sloMs: point.slo.latency_ms } : {}),
    baseDir: plan.baseDir,
  };
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export async function executeJob(registry: Registry, plan: Plan, job: Job, opts: ExecuteOptions = {}): Promise<JobResult> {
  const system = systemOf(registry, plan);
  const input = prepareInput(system, plan, job);
  const recorder = job.traced ? new WindowRecorder(0, Infinity, GANTT_RECORD_CAP, false) : undefined;
  // A given window gets its own recorder, so a run busier than the first policy's before the
  // window cannot fill the cap before it.
  const fixed = recorder && job.ganttWindow ? new WindowRecorder(job.ganttWindow.from_s, job.ganttWindow.to_s, GANTT_RECORD_CAP, false) : undefined;
  if (recorder) input.trace = fixed ? fanOut([recorder, fixed]) : recorder;
  if (opts.signal) input.signal = opts.signal;
  if (opts.onProgress) input.onProgress = opts.onProgress;
  const log = job.requestsFile !== undefined ? new RequestCsvWriter(job.requestsFile, plan, job) : undefined;
  if (log) input.requests = log;
  const t0 = performance.now();
  let out: SimulationOutput;
  try {
    out = await system.simulate(input);
  } catch (e) {
    // A configuration found impossible only while running: say which run of which scenario.
    if (e instanceof ConfigError) {
      const params = plan.points[job.point]!;
      const at = plan.sweepKeys.length ? ` at ${plan.sweepKeys.map((k) => `${k}=${JSON.stringify(params[k])}`).join(', ')}` : '';
      // The field to change, when the error names one, with the line that sets it (as the loader's pre-flight does).
      const line = e.field !== undefined ? fieldLine(plan, scenarioPathOf(e.field, job.policy)) : undefined;
      throw new ConfigError(`${formatLocation({ file: plan.file, line, field: e.field })}policy '${plan.policies[job.policy]}'${at}: ${e.message}`, { field: e.fields });
    }
    throw e;
  } finally {
    log?.close();
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  checkOutput(out, `${plan.system} ${jobKey(plan, job)} (seed ${job.seed})`);
  const result: JobResult = {
    index: job.index,
    point: job.point,
    policy: job.policy,
    replication: job.replication,
    seed: job.seed,
    metrics: out.metrics,
    conservation: out.conservation,
    simulatedSeconds: out.simulatedSeconds,
    events: out.events,
    wallSeconds,
  };
  if (job.replication === 0) {
    result.latencyCdf = out.latencyCdf;
    result.utilisation = out.utilisation;
  }
  if (recorder && plan.gantt) {
    result.gantt = fixed ? fixedGanttWindow(recorder, fixed, plan.gantt.slices, out.simulatedSeconds) : ganttWindow(recorder, plan.gantt.slices, out.simulatedSeconds);
  }
  // A structured clone drops anything that is not plain data, as a worker's postMessage would,
  // so serial and parallel runs return the same thing.
  return structuredClone(result);
}

/**
 * The scenario line that sets `path`: its sweep entry's when swept, else its own or its nearest
 * enclosing key's; none when a `--set` gave it or the plan has no file lines.
 */
function fieldLine(plan: Plan, path: Path): number | undefined {
  const lines = plan.fieldLines;
  if (!lines) return undefined;
  const key = plan.sweepKeys.find((k) => targetPaths(k, plan.raw).some((t) => startsWith(path, t) || startsWith(t, path)));
  if (key !== undefined) path = ['sweep', key];
  for (let n = path.length; n > 0; n--) {
    const line = lines[formatPath(path.slice(0, n))];
    if (line !== undefined) return line > 0 ? line : undefined;
  }
  return undefined;
}

/** Slices recorded for a traced run before the recorder stops taking more. */
const GANTT_RECORD_CAP = 200_000;
/** Counter samples kept per track for the occupancy chart. */
const COUNTER_POINTS = 300;

/** The runner's invariant checks on every output: conservation and sane totals. */
export function checkOutput(out: SimulationOutput, what: string): void {
  const c = out?.conservation;
  if (!c) throw new InvariantError(`${what}: simulate() returned no conservation counts`);
  for (const k of ['arrived', 'completed', 'rejected', 'inFlight'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new InvariantError(`${what}: conservation.${k} is ${c[k]}, expected a count >= 0`);
  }
  if (c.arrived !== c.completed + c.rejected + c.inFlight) {
    throw new InvariantError(
      `${what}: requests not conserved: arrived ${c.arrived} != completed ${c.completed} + rejected ${c.rejected} + in flight ${c.inFlight}`,
    );
  }
  if (!(out.simulatedSeconds >= 0)) throw new InvariantError(`${what}: simulatedSeconds is ${out.simulatedSeconds}`);
  if (typeof out.metrics !== 'object' || out.metrics === null) throw new InvariantError(`${what}: simulate() returned no metrics`);
}

/**
 * A readable Gantt window from everything a traced run recorded: `slices` consecutive slices
 * (by start time) from the middle of the run, where the system is past its warm-up, plus all
 * slices overlapping that window, and the counters (memory, queues) over the whole run,
 * downsampled. If the recorder filled up, the window stays inside the part it saw completely.
 */
export function ganttWindow(rec: WindowRecorder, slices: number, simulatedSeconds: number): GanttData {
  // Read off the recorder's columns: a full recorder holds 200k slices, and an object for each
  // (then filtered copies of them) was most of this function's time. Only the slices output are
  // built.
  const { n: total, strings, track, name, start, end } = rec.sliceColumns();
  const horizon = horizonOf(rec, simulatedSeconds);
  // Tracks compare by name: rank[id] is the track's place among the names in string order.
  const rank = stringRanks(strings);
  // The window is read off the slices sorted by start (then end, track; a stable sort). Only the
  // slices at and after the middle decide it, and only those overlapping it are output: those
  // subsets are sorted, not the whole record. A stable sort of a subset (indices in recording
  // order) orders it as the sorted whole does.
  const byStart = (a: number, b: number) => start[a]! - start[b]! || end[a]! - end[b]! || rank[track[a]!]! - rank[track[b]!]!;
  const pick = (keep: (i: number) => boolean) => {
    const out: number[] = [];
    for (let i = 0; i < total; i++) if (keep(i)) out.push(i);
    return out.sort(byStart);
  };
  let from = 0;
  let to = 0;
  let n = 0;
  let before = 0;
  const mid = horizon / 2;
  for (let i = 0; i < total; i++) {
    if (start[i]! > horizon) continue;
    n++;
    if (start[i]! < mid) before++;
  }
  if (n > 0) {
    // findIndex(start >= mid) on the sorted usable slices is `before` (-1 when none is at or past mid)
    let i0 = before < n ? before : n - 1;
    i0 = Math.max(0, Math.min(i0, n - slices));
    const i1 = Math.min(n - 1, i0 + slices - 1);
    // Ranks i0..i1 lie among the slices from rank i0 on; when i0 is `before`, those are the ones
    // starting at or after mid, and only the first and last of those ranks are read: the k
    // smallest of them are selected (a bounded heap) rather than all of them sorted (a full
    // recorder holds 100k there). Otherwise (a short run) sort them all.
    let first: number;
    let last: number;
    if (i0 === before) {
      [first, last] = firstAndKth(total, start, mid, horizon, i1 - i0 + 1, byStart);
    } else {
      const tail = pick((i) => start[i]! <= horizon);
      first = tail[i0]!;
      last = tail[i1]!;
    }
    from = start[first]!;
    to = Math.max(start[last]!, from);
    if (to === from) to = end[last]!;
  }
  const inWindow = pick((i) => end[i]! >= from && start[i]! <= to)
    .slice(0, slices * 4)
    .map((i) => ({ track: strings[track[i]!]!, name: strings[name[i]!]!, start_s: Math.max(start[i]!, from), end_s: Math.min(end[i]!, to) }));
  return { from_s: from, to_s: to, slices: inWindow, counters: downsampleCounters(rec, horizon), dropped: rec.dropped };
}

/**
 * Of the indices i < n with lo <= start[i] <= hi, in the order a stable sort by `cmp` (start
 * first) gives them, the first and the k-th (k >= 1, at most as many as there are). A stable sort
 * of indices listed in ascending order orders ties by index, so `cmp` then index is the same
 * total order; a max-heap of the k smallest under it holds the k-th at its root. A slice starting
 * after the root's start cannot enter, which settles most of them without a comparison call.
 */
function firstAndKth(n: number, start: Float64Array, lo: number, hi: number, k: number, cmp: (a: number, b: number) => number): [number, number] {
  const before = (a: number, b: number) => {
    const c = cmp(a, b);
    return c < 0 || (c === 0 && a < b);
  };
  const heap = new Int32Array(k);
  let size = 0;
  let min = -1;
  let rootStart = Infinity;
  for (let i = 0; i < n; i++) {
    const s = start[i]!;
    if (!(s >= lo && s <= hi)) continue;
    if (size === k && s > rootStart) continue;
    if (min < 0 || before(i, min)) min = i;
    if (size < k) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!before(heap[p]!, i)) break;
        heap[c] = heap[p]!;
        c = p;
      }
      heap[c] = i;
    } else if (before(i, heap[0]!)) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= k) break;
        const r = l + 1;
        const big = r < k && before(heap[l]!, heap[r]!) ? r : l;
        if (!before(i, heap[big]!)) break;
        heap[c] = heap[big]!;
        c = big;
      }
      heap[c] = i;
    } else continue;
    if (size === k) rootStart = start[heap[0]!]!;
  }
  return [min, heap[0]!];
}

/**
 * The Gantt data of a run over a given window (the first policy's, so every policy is drawn over
 * the same simulated time): the slices `win` recorded there, clipped to it, at most 8x `slices`
 * (a run far busier than the first policy's is cut at the end, and says how many it left out in
 * `dropped`), and the counters over the whole run from `rec`, as ganttWindow gives them.
 */
export function fixedGanttWindow(rec: WindowRecorder, win: WindowRecorder, slices: number, simulatedSeconds: number): GanttData {
  const from = win.start;
  const to = win.end;
  const all = sortSlices(win.slices.filter((s) => s.end >= from && s.start <= to));
  const kept = all.slice(0, slices * 8).map((s) => ({ track: s.track, name: s.name, start_s: Math.max(s.start, from), end_s: Math.min(s.end, to) }));
  return {
    from_s: from,
    to_s: to,
    slices: kept,
    counters: downsampleCounters(rec, horizonOf(rec, simulatedSeconds)),
    dropped: rec.dropped + win.dropped + (all.length - kept.length),
  };
}


/** For each string's index, its rank in string order (`<`, as the slices' track names sort). */
function stringRanks(strings: readonly string[]): Int32Array {
  const order = strings.map((_, i) => i).sort((a, b) => (strings[a]! < strings[b]! ? -1 : strings[a]! > strings[b]! ? 1 : 0));
  const rank = new Int32Array(strings.length);
  order.forEach((id, r) => (rank[id] = r));
  return rank;
}

/** Up to where a recorder saw everything: the whole run, or (cap reached) its last slice's end less the longest slice. */
function horizonOf(rec: WindowRecorder, simulatedSeconds: number): number {
  const { n, start, end } = rec.sliceColumns();
  if (rec.dropped === 0 || n === 0) return simulatedSeconds;
  let longest = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    longest = Math.max(longest, end[i]! - start[i]!);
    last = Math.max(last, end[i]!);
  }
  return Math.max(0, last - longest);
}

function sortSlices<T extends { start: number; end: number; track: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => a.start - b.start || a.end - b.end || (a.track < b.track ? -1 : a.track > b.track ? 1 : 0));
}

function downsampleCounters(rec: WindowRecorder, horizon: number): GanttData['counters'] {
  // Read off the recorder's columns, each track's samples as indices in recording order (an
  // object per sample, twice over, was most of this function's time).
  const { n, strings, track: trackOf, time, value } = rec.counterColumns();
  const byTrack = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (time[i]! > horizon && rec.dropped > 0) continue;
    const track = strings[trackOf[i]!]!;
    let arr = byTrack.get(track);
    if (!arr) byTrack.set(track, (arr = []));
    arr.push(i);
  }
  const out: GanttData['counters'] = [];
  for (const track of [...byTrack.keys()].sort()) {
    const pts = byTrack.get(track)!;
    const end = time[pts[pts.length - 1]!]!;
    const width = end > 0 ? end / COUNTER_POINTS : 1;
    // Last value per bin, plus the bin's maximum so short peaks stay visible.
    let bin = -1;
    for (const i of pts) {
      const v = value[i]!;
      const b = Math.min(COUNTER_POINTS - 1, Math.floor(time[i]! / width));
      const last = out[out.length - 1];
      if (b !== bin || !last || last.track !== track) {
        out.push({ track, t_s: b * width, value: v, max: v });
        bin = b;
      } else {
        last.value = v;
        last.max = Math.max(last.max, v);
      }
    }
  }
  return out;
}
