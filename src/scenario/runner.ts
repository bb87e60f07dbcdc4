/**
 * The scenario runner:
 *
 *   plan -> jobs (point x policy x replication, this shard's share) -> skip finished (--resume)
 *        -> run: in this thread (--jobs 1) or on a worker-thread pool -> checkpoint each result
 *        -> assemble results.json (means, intervals, paired differences, winners)
 *
 * Every job's output depends only on (scenario, point, policy, seed), and assembly sorts by job,
 * so serial, parallel and sharded+merged runs give identical results. Aborting (Ctrl-C) stops
 * dispatching, lets running jobs stop, and returns what finished; each finished job is already in
 * OUT/checkpoint.jsonl, which `--resume` reads back.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { ResultsFile } from '../report/types.js';
import { servesimVersion } from '../version.js';
import { executeJob, systemOf, type JobResult } from './execute.js';
import { isAbortError } from './errors.js';
import { planFromInput, inShard, jobsOf, type Job, type Plan, type Shard } from './plan.js';
import { WorkerPool, workerFiles } from './pool.js';
import { ensurePartsDir, joinParts, partFile, removeParts, requestsHeader, REQUESTS_FILE } from './requests.js';
import { assembleResults, jobResultsOf } from './results.js';
import type { Registry } from './types.js';

export const CHECKPOINT_FILE = 'checkpoint.jsonl';

export interface Progress {
  /** Jobs finished in this invocation plus those resumed. */
  done: number;
  total: number;
  /** done plus the fractions reported by running jobs, over total. */
  fraction: number;
}

export interface RunOptions {
  registry: Registry;
  /** Parallel jobs; default: all cores. 1 runs in this thread. */
  jobs?: number;
  shard?: Shard;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Where checkpoint.jsonl goes (and results.json is looked for on --resume). */
  outDir?: string;
  resume?: boolean;
  /** Module exporting REGISTRY for worker threads; default dist/src/registry.js. */
  registryModule?: string;
  /** Write OUT/requests.csv, one row per request (needs outDir). */
  requests?: boolean;
}

export interface RunOutcome {
  results: ResultsFile;
  /** Stopped by the signal before every job finished. */
  interrupted: boolean;
  /** Jobs run now / taken from a checkpoint / in this shard. */
  ran: number;
  resumed: number;
  total: number;
  /** OUT/requests.csv when it holds every finished run (written now or by the run resumed). */
  requestsFile?: string;
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const jobs = jobsOf(plan).filter((j) => inShard(plan, j, opts.shard));
  const done = new Map<number, JobResult>();
  if (opts.resume) {
    if (!opts.outDir) throw new InputError('--resume needs --out (the directory of the interrupted run)');
    const mine = new Set(jobs.map((j) => j.index));
    for (const r of readPrevious(plan, opts.outDir)) if (mine.has(r.index)) done.set(r.index, r);
  }
  const resumed = done.size;
  const checkpoint = opts.outDir ? openCheckpoint(plan, opts.outDir, done) : undefined;
  const pending = jobs.filter((j) => !done.has(j.index));
  const partsDir = opts.requests && opts.outDir ? opts.outDir : undefined;
  if (partsDir) {
    // A fresh run starts from no parts; a resumed one keeps those of its finished jobs.
    if (!opts.resume) removeParts(partsDir);
    ensurePartsDir(partsDir);
  }
  const width = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), pending.length));
  // The Gantt shows every policy over the same window: the first traced run (the first policy's)
  // picks it, so it goes first and the other traced runs wait for it.
  const ref = jobs.find((j) => j.traced);
  let window = ref ? windowOf(done.get(ref.index)) : undefined;
  const queue = ref && !done.has(ref.index) ? [ref, ...pending.filter((j) => j !== ref)] : pending.slice();
  const ready = (j: Job) => !j.traced || j === ref || window !== undefined || done.has(ref!.index);

  const running = new Map<number, number>();
  const report = () =>
    opts.onProgress?.({
      done: done.size,
      total: jobs.length,
      fraction: jobs.length ? (done.size + [...running.values()].reduce((a, b) => a + b, 0)) / jobs.length : 1,
    });
  const onJobProgress = (index: number, f: number) => {
    if (running.has(index)) {
      running.set(index, Math.min(1, Math.max(0, f)));
      report();
    }
  };

  const pool =
    width > 1 ? new WorkerPool(width, plan, opts.registryModule ?? workerFiles().registry.href, onJobProgress) : undefined;
  const exec = (plain: Job): Promise<JobResult> => {
    const job: Job = { ...plain, ...(partsDir ? { requestsFile: partFile(partsDir, plain.index) } : {}), ...(plain.traced && plain !== ref && window ? { ganttWindow: window } : {}) };
    return pool ? pool.run(job) : executeJob(opts.registry, plan, job, { signal: opts.signal, onProgress: (f) => onJobProgress(job.index, f) });
  };
  const onAbort = () => pool?.abort();
  opts.signal?.addEventListener('abort', onAbort);

  let failure: unknown;
  let ran = 0;
  report();
  try {
    await new Promise<void>((resolveAll) => {
      const launch = (): void => {
        while (running.size < width && failure === undefined && !opts.signal?.aborted) {
          const at = queue.findIndex(ready);
          if (at < 0) break;
          const job = queue.splice(at, 1)[0]!;
          running.set(job.index, 0);
          exec(job).then(
            (r) => {
              running.delete(job.index);
              done.set(r.index, r);
              if (job === ref) window = windowOf(r);
              ran++;
              checkpoint?.(r);
              report();
              launch();
            },
            (e) => {
              running.delete(job.index);
              if (!(isAbortError(e) && opts.signal?.aborted) && failure === undefined) {
                failure = e;
                pool?.abort();
              }
              launch();
            },
          );
        }
        if (running.size === 0) resolveAll();
      };
      launch();
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
  }
  if (failure !== undefined) throw failure;

  const results = assembleResults(plan, done.values(), { shard: opts.shard, startedAt, finishedAt: new Date(), jobs: width });
  if (results.complete && opts.outDir) rmSync(join(opts.outDir, CHECKPOINT_FILE), { force: true });
  let requestsFile: string | undefined;
  if (partsDir) {
    const header = requestsHeader(plan, systemOf(opts.registry, plan).requestColumns ?? []);
    // Without every part (runs resumed from a finished run), the requests.csv written then stands.
    const joined = joinParts(partsDir, header, [...done.keys()]);
    if (joined && results.complete) removeParts(partsDir);
    const path = join(partsDir, REQUESTS_FILE);
    if (joined || (existsSync(path) && resumed > 0 && ran === 0)) requestsFile = path;
  }
  return { results, interrupted: !results.complete && !!opts.signal?.aborted, ran, resumed, total: jobs.length, ...(requestsFile ? { requestsFile } : {}) };
}

/** Job results of an earlier run of the same scenario in `dir`: checkpoint lines and results.json. */
function readPrevious(plan: Plan, dir: string): JobResult[] {
  const out: JobResult[] = [];
  const resultsPath = join(dir, 'results.json');
  if (existsSync(resultsPath)) {
    const file = JSON.parse(readFileSync(resultsPath, 'utf8')) as ResultsFile;
    if (file.scenario?.fingerprint !== plan.fingerprint) {
      throw new ConfigError(`${resultsPath} is from a different scenario or servesim version; use another --out or drop --resume`);
    }
    // Same fingerprint -> same input; rebuild the plan from it to read the runs.
    out.push(...jobResultsOf(planFromInput(file.input, plan.file, plan.baseDir, servesimVersion()), file));
  }
  const cpPath = join(dir, CHECKPOINT_FILE);
  if (existsSync(cpPath)) {
    const lines = readFileSync(cpPath, 'utf8').split('\n');
    const head = safeJson(lines[0]) as { fingerprint?: string } | undefined;
    if (head?.fingerprint !== plan.fingerprint) {
      throw new ConfigError(`${cpPath} is from a different scenario or servesim version; use another --out or drop --resume`);
    }
    // A line cut short by a kill is skipped: that job simply runs again.
    for (const line of lines.slice(1)) {
      const r = safeJson(line) as JobResult | undefined;
      if (r && typeof r.index === 'number') out.push(r);
    }
  }
  return out;
}

/** Start (or continue) the checkpoint file; returns the function that appends one result. */
function openCheckpoint(plan: Plan, dir: string, done: Map<number, JobResult>): (r: JobResult) => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, CHECKPOINT_FILE);
  const lines = [JSON.stringify({ checkpoint: 1, scenario: plan.name, fingerprint: plan.fingerprint })];
  for (const r of [...done.values()].sort((a, b) => a.index - b.index)) lines.push(JSON.stringify(r));
  writeFileSync(path, lines.join('\n') + '\n');
  return (r) => appendFileSync(path, JSON.stringify(r) + '\n');
}

/** The Gantt window a finished traced run recorded. */
function windowOf(r: JobResult | undefined): Job['ganttWindow'] {
  return r?.gantt ? { from_s: r.gantt.from_s, to_s: r.gantt.to_s } : undefined;
}

function safeJson(line: string | undefined): unknown {
  if (!line) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
