/**
 * A plan is everything needed to run a scenario, as plain JSON: it goes to worker threads as is,
 * and `merge` rebuilds it from a results file's `input`. Jobs are the (sweep point, policy,
 * replication) triples in a fixed order; a shard takes every N-th (point, replication) unit, so
 * all policies of one replication (the common-random-number pair) stay together.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import type { SystemName } from '../systems/types.js';
import { stableStringify } from './paths.js';
import { scenarioSchema, type CommonScenario, type ReportConfig } from './schema.js';
import { sweepAxes, sweepPoints, type SweepParams } from './sweep.js';

export interface Plan {
  name: string;
  description?: string;
  system: SystemName;
  seed: number;
  replications: number;
  policies: string[];
  sweepKeys: string[];
  points: SweepParams[];
  gantt: { point: number; slices: number } | null;
  report: ReportConfig;
  /** The scenario as run (after `--set`), written to results.json as `input`. */
  raw: Record<string, unknown>;
  /** Scenario file name (no directory) and the directory trace paths are resolved against. */
  file: string;
  baseDir: string;
  /** sha256 of the input and the servesim version: shards and checkpoints must agree on it. */
  fingerprint: string;
  /**
   * Line in the scenario file of each key path (formatPath form; 0: set by `--set`), when the plan
   * was loaded from a file: run-time configuration errors name their field's line from it.
   */
  fieldLines?: Record<string, number>;
}

export interface Job {
  index: number;
  point: number;
  policy: number;
  replication: number;
  seed: number;
  /** Record a Gantt window for this run. */
  traced: boolean;
  /** Stream this run's requests.csv rows to this part file (src/scenario/requests.ts). */
  requestsFile?: string;
  /**
   * The Gantt window to record (simulated seconds), set by the runner for every traced run but
   * the first policy's: all policies are drawn over that one's window.
   */
  ganttWindow?: { from_s: number; to_s: number };
}

export interface Shard {
  index: number;
  count: number;
}

export function buildPlan(common: CommonScenario, raw: Record<string, unknown>, file: string, baseDir: string, version: string): Plan {
  const axes = sweepAxes(common.sweep);
  const points = sweepPoints(axes);
  const gantt = common.report.gantt === false ? null : { point: Math.min(common.report.gantt.point, points.length - 1), slices: common.report.gantt.slices };
  return {
    name: common.name,
    ...(common.description !== undefined ? { description: common.description } : {}),
    system: common.system,
    seed: common.seed,
    replications: common.replications,
    policies: common.policies.map((p) => p.label),
    sweepKeys: axes.map((a) => a.key),
    points,
    gantt,
    report: common.report,
    raw,
    file: basename(file),
    baseDir,
    fingerprint: fingerprint(raw, version),
  };
}

/** The plan of a results file's `input` (no system needed: merge and resume use it). */
export function planFromInput(raw: unknown, file: string, baseDir: string, version: string): Plan {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`results file has an invalid 'input' scenario (${parsed.error.issues[0]?.message})`, { file });
  return buildPlan(parsed.data, raw as Record<string, unknown>, file, baseDir, version);
}

export function fingerprint(raw: unknown, version: string): string {
  return createHash('sha256').update(`servesim ${version}\n${stableStringify(raw)}`).digest('hex').slice(0, 16);
}

/** All jobs, point-major, then policy, then replication. */
export function jobsOf(plan: Plan): Job[] {
  const out: Job[] = [];
  const P = plan.policies.length;
  const R = plan.replications;
  plan.points.forEach((_, point) => {
    for (let policy = 0; policy < P; policy++) {
      for (let replication = 0; replication < R; replication++) {
        out.push({
          index: out.length,
          point,
          policy,
          replication,
          seed: plan.seed + replication,
          traced: plan.gantt !== null && plan.gantt.point === point && replication === 0,
        });
      }
    }
  });
  return out;
}

export function inShard(plan: Plan, job: Job, shard: Shard | undefined): boolean {
  if (!shard) return true;
  return (job.point * plan.replications + job.replication) % shard.count === shard.index;
}

/** `I/N` with 0 <= I < N. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`--shard expects I/N (e.g. 0/4), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new InputError(`--shard ${text}: need 0 <= I < N (shards are numbered from 0)`);
  return { index, count };
}

export function jobKey(plan: Plan, job: Pick<Job, 'point' | 'policy' | 'replication'>): string {
  return `p${job.point}/${plan.policies[job.policy]}/r${job.replication}`;
}
