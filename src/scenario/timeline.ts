/**
 * The timeline of one designated run of a scenario (`servesim run --timeline FILE.json`): one
 * policy at one sweep point, replication 0 (the base seed), re-simulated with a TimelineRecorder
 * attached and exported as a Chrome trace-event file (Perfetto, chrome://tracing). The run is the
 * same simulate() call as the job in results.json; attaching a sink only switches a system to its
 * detailed executor, which the systems' own tests check gives the same schedule.
 */
import { InputError, InvariantError } from '../errors.js';
import { TimelineRecorder } from '../metrics/timeline.js';
import { toChromeTrace, validateChromeTrace, type ChromeTrace } from '../report/chrome-trace.js';
import { servesimVersion } from '../version.js';
import { checkOutput, prepareInput, systemOf } from './execute.js';
import { jobKey, type Job, type Plan } from './plan.js';
import { stableStringify } from './paths.js';
import type { Registry } from './types.js';

export interface TimelineWindow {
  /** Simulated seconds. */
  start: number;
  end: number;
}

export interface TimelineOptions {
  /** Policy label; default the first policy. */
  policy?: string;
  /** Sweep point index; default 0. */
  point?: number;
  window?: TimelineWindow;
  /** Cap on recorded events (slices + counter samples). */
  maxEvents?: number;
  signal?: AbortSignal;
}

export interface TimelineResult {
  trace: ChromeTrace;
  /** `p<point>/<label>/r0`. */
  run: string;
  slices: number;
  counters: number;
  dropped: number;
  /** Every event before this time is in the file. */
  completeUntil: number;
}

export const DEFAULT_TIMELINE_EVENTS = 200_000;

/** `START:END` in simulated seconds; either side may be empty (`:30`, `10:`). */
export function parseWindow(text: string, flag = '--window'): TimelineWindow {
  const m = /^\s*([0-9]*\.?[0-9]*(?:e[+-]?\d+)?)\s*:\s*([0-9]*\.?[0-9]*(?:e[+-]?\d+)?)\s*$/i.exec(text);
  const bad = (why: string) => new InputError(`${flag} expects START:END in simulated seconds (e.g. 10:12.5, :30 or 10:), got '${text}'${why}`);
  if (!m) throw bad('');
  const start = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (!Number.isFinite(start) || Number.isNaN(end)) throw bad('');
  if (!(end > start)) throw bad(': END must be after START');
  return { start, end };
}

/** The job a timeline records: (point, policy) at replication 0. */
export function timelineJob(plan: Plan, opts: Pick<TimelineOptions, 'policy' | 'point'>): Job {
  const policy = opts.policy === undefined ? 0 : plan.policies.indexOf(opts.policy);
  if (policy < 0) {
    throw new InputError(`--timeline-run '${opts.policy}' is not a policy label of this scenario (labels: ${plan.policies.map((p) => `'${p}'`).join(', ')})`);
  }
  const point = opts.point ?? 0;
  if (!Number.isInteger(point) || point < 0 || point >= plan.points.length) {
    throw new InputError(`--timeline-point ${point} is out of range: the sweep has ${plan.points.length} point(s), numbered from 0`);
  }
  return { index: -1, point, policy, replication: 0, seed: plan.seed, traced: false };
}

export async function recordTimeline(registry: Registry, plan: Plan, opts: TimelineOptions = {}): Promise<TimelineResult> {
  const job = timelineJob(plan, opts);
  const system = systemOf(registry, plan);
  const input = prepareInput(system, plan, job);
  const w = opts.window ?? { start: 0, end: Infinity };
  const rec = new TimelineRecorder(w.start, w.end, opts.maxEvents ?? DEFAULT_TIMELINE_EVENTS);
  input.trace = rec;
  if (opts.signal) input.signal = opts.signal;
  const out = await system.simulate(input);
  const run = jobKey(plan, job);
  checkOutput(out, `${plan.system} ${run} (seed ${job.seed}, timeline)`);
  const src = rec.source();
  const trace = toChromeTrace(src, {
    servesim: servesimVersion(),
    scenario: plan.name,
    system: plan.system,
    policy: plan.policies[job.policy]!,
    point: job.point,
    params: stableStringify(plan.points[job.point] ?? {}),
    replication: 0,
    seed: job.seed,
    simulated_s: out.simulatedSeconds,
  });
  const problems = validateChromeTrace(trace);
  if (problems.length > 0) throw new InvariantError(`timeline of ${run} is not a valid trace-event file: ${problems[0]}`);
  return { trace, run, slices: src.slices.length, counters: src.counters.length, dropped: src.dropped, completeUntil: src.completeUntil };
}
