/**
 * `servesim merge`: join the results of shards (`run --shard I/N`) of one scenario into the
 * results a single run would have written. Shards must come from the same scenario and servesim
 * version (same fingerprint); a run present in two shards must agree exactly. One run's results
 * given twice (the same file, or a copy of it) are refused: the runs would count once but the wall
 * time and threads twice. A run is identified by what results.json records of it: the scenario
 * fingerprint (scenario as run, seed included, and servesim version), the shard, and the time it
 * started.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { ResultsFile } from '../report/types.js';
import { servesimVersion } from '../version.js';
import type { JobResult } from './execute.js';
import { planFromInput, jobKey } from './plan.js';
import { mergeRequestFiles, REQUESTS_FILE } from './requests.js';
import { assembleResults, jobResultsOf } from './results.js';

export interface ShardFile {
  path: string;
  results: ResultsFile;
}

export function mergeResults(files: readonly ShardFile[], baseDir = '.'): ResultsFile {
  if (files.length === 0) throw new InputError('merge needs at least one results.json');
  const first = files[0]!;
  for (const f of files) {
    if (f.results.scenario?.fingerprint !== first.results.scenario?.fingerprint) {
      throw new ConfigError(
        `${f.path} is from a different scenario or servesim version than ${first.path} (fingerprint ${f.results.scenario?.fingerprint} vs ${first.results.scenario?.fingerprint})`,
      );
    }
  }
  const seen = new Map<string, string>();
  for (const f of files) {
    const id = runIdentity(f.results);
    const other = seen.get(id);
    if (other !== undefined) {
      throw new InputError(
        other === f.path
          ? `${f.path} is given twice; give each shard's results.json once`
          : `${other} and ${f.path} are the same run (${describeRun(f.results)}); give each shard's results.json once`,
      );
    }
    seen.set(id, f.path);
  }
  const plan = planFromInput(first.results.input, first.results.scenario.file, baseDir, servesimVersion());
  if (plan.fingerprint !== first.results.scenario.fingerprint) {
    throw new ConfigError(`${first.path} was written by another servesim version (${first.results.servesim}); merge it with that version`);
  }
  const all = new Map<number, JobResult>();
  for (const f of files) {
    for (const r of jobResultsOf(plan, f.results)) {
      const prev = all.get(r.index);
      if (prev && comparable(prev) !== comparable(r)) {
        throw new ConfigError(`run ${jobKey(plan, r)} differs between shards (${f.path} and another); they did not run the same scenario`);
      }
      if (!prev) all.set(r.index, r);
    }
  }
  const times = files.map((f) => f.results.wallclock);
  const startedAt = new Date(Math.min(...times.map((t) => Date.parse(t.started_at))));
  const finishedAt = new Date(Math.max(...times.map((t) => Date.parse(t.finished_at))));
  const merged = assembleResults(plan, all.values(), { startedAt, finishedAt, jobs: times.reduce((a, t) => a + t.jobs, 0) });
  // Wall time of a merged run is the sum of the shards' (they ran on different machines).
  merged.wallclock.wall_s = Number(times.reduce((a, t) => a + t.wall_s, 0).toPrecision(4));
  return merged;
}

/** What tells one run from another in its results.json: fingerprint, shard and start time. */
function runIdentity(r: ResultsFile): string {
  return JSON.stringify([r.scenario?.fingerprint, r.shard ?? null, r.wallclock?.started_at]);
}

function describeRun(r: ResultsFile): string {
  const shard = r.shard ? `shard ${r.shard.index}/${r.shard.count}` : 'not sharded';
  return `scenario fingerprint ${r.scenario?.fingerprint}, ${shard}, started ${r.wallclock?.started_at}`;
}

function comparable(r: JobResult): string {
  const { wallSeconds: _w, ...rest } = r;
  return JSON.stringify(rest);
}

/**
 * The shards' requests.csv (beside each results.json) joined into OUT/requests.csv in job order.
 * Returns the file written, or why none was: a shard run with --no-requests has none to join.
 */
export async function mergeRequests(files: readonly ShardFile[], outDir: string, baseDir = '.'): Promise<{ file?: string; missing: string[] }> {
  const first = files[0]!;
  const paths = files.map((f) => join(dirname(f.path), REQUESTS_FILE));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) return { missing };
  const plan = planFromInput(first.results.input, first.results.scenario.file, baseDir, servesimVersion());
  const file = join(outDir, REQUESTS_FILE);
  await mergeRequestFiles(plan, paths, file);
  return { file, missing };
}
