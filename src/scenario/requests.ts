/**
 * requests.csv: one row per finished request of every run, for pandas/polars:
 *
 *   point,<sweep keys...>,policy,replication,seed,request,arrival_ms,start_ms,finish_ms,
 *   queueing_ms,latency_ms,warmup,<the system's columns (SystemModule.requestColumns)...>
 *
 * Times are simulated milliseconds at full double precision (latency_ms and queueing_ms computed
 * exactly as results.json's samples are, so its summaries can be recomputed from the file);
 * `warmup` is 1 for a request the warm-up rule left out of results.json's metrics.
 *
 * Each job streams its rows through a small buffer into its own part file
 * (OUT/.requests-parts/JOB.csv); the runner joins the parts in job order, so serial, parallel and
 * resumed runs write the same bytes. `merge` interleaves the shards' files back into job order.
 */
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { ConfigError, InputError } from '../errors.js';
import type { RequestRecord, RequestSink } from '../metrics/request-log.js';
import { csvCell } from '../workloads/csv.js';
import type { Job, Plan } from './plan.js';

export const REQUESTS_FILE = 'requests.csv';
export const PARTS_DIR = '.requests-parts';
const COMMON = ['request', 'arrival_ms', 'start_ms', 'finish_ms', 'queueing_ms', 'latency_ms', 'warmup'] as const;
/** Bytes buffered before a write: bounded memory however many requests a run has. */
const FLUSH = 1 << 16;

export function requestsHeader(plan: Plan, systemColumns: readonly string[]): string {
  return ['point', ...plan.sweepKeys, 'policy', 'replication', 'seed', ...COMMON, ...systemColumns].map(csvCell).join(',') + '\n';
}

export function partFile(outDir: string, index: number): string {
  return join(outDir, PARTS_DIR, `${index}.csv`);
}

/** Writes one job's rows (no header) to its part file. */
export class RequestCsvWriter implements RequestSink {
  private fd: number;
  private buf = '';
  private readonly prefix: string;

  constructor(file: string, plan: Plan, job: Job) {
    const params = plan.points[job.point]!;
    this.prefix = [String(job.point), ...plan.sweepKeys.map((k) => cell(params[k])), csvCell(plan.policies[job.policy]!), String(job.replication), String(job.seed)].join(',') + ',';
    this.fd = openSync(file, 'w');
  }

  add(r: RequestRecord): void {
    let line = this.prefix + csvCell(r.id) + ',' + num(r.arrival * 1000) + ',' + num(r.start * 1000) + ',' + num(r.finish * 1000);
    line += ',' + num((r.start - r.arrival) * 1000) + ',' + num((r.finish - r.arrival) * 1000) + (r.warmup ? ',1' : ',0');
    for (const x of r.extra) line += ',' + (typeof x === 'number' ? num(x) : csvCell(x));
    this.buf += line + '\n';
    if (this.buf.length >= FLUSH) this.flush();
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }

  private flush(): void {
    if (this.buf.length > 0) writeSync(this.fd, this.buf);
    this.buf = '';
  }
}

/**
 * Write OUT/requests.csv from the part files of `indices` (job order). Returns false, writing
 * nothing, when a part is missing (a job resumed from a run that already joined its parts).
 */
export function joinParts(outDir: string, header: string, indices: readonly number[]): boolean {
  const sorted = [...indices].sort((a, b) => a - b);
  if (!sorted.every((i) => existsSync(partFile(outDir, i)))) return false;
  const target = join(outDir, REQUESTS_FILE);
  const tmp = target + '.tmp';
  const out = openSync(tmp, 'w');
  const chunk = Buffer.allocUnsafe(1 << 20);
  try {
    writeSync(out, header);
    for (const i of sorted) {
      const fd = openSync(partFile(outDir, i), 'r');
      try {
        for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) writeSync(out, chunk, 0, n);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    closeSync(out);
  }
  renameSync(tmp, target);
  return true;
}

export function removeParts(outDir: string): void {
  rmSync(join(outDir, PARTS_DIR), { recursive: true, force: true });
}

export function ensurePartsDir(outDir: string): void {
  mkdirSync(join(outDir, PARTS_DIR), { recursive: true });
}

/**
 * Join the requests.csv of shards into `outFile`, rows in job order (what one unsharded run writes);
 * a run present in two shards is written once. Streams: one row per shard is held at a time.
 */
export async function mergeRequestFiles(plan: Plan, files: readonly string[], outFile: string): Promise<void> {
  const K = plan.sweepKeys.length;
  const P = plan.policies.length;
  const R = plan.replications;
  const readers = files.map((file) => {
    const parser = parse({ raw: true });
    const stream = createReadStream(file);
    // A read error (the file vanished) reaches the parser, so the loop below rejects with it.
    stream.on('error', (e) => parser.destroy(e));
    stream.pipe(parser);
    return { file, it: parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; raw: string }> };
  });
  const next = async (s: number): Promise<{ job: number; raw: string } | null> => {
    const r = await readers[s]!.it.next();
    if (r.done) return null;
    const { record, raw } = r.value;
    const policy = plan.policies.indexOf(record[1 + K] ?? '');
    const point = Number(record[0]);
    const rep = Number(record[2 + K]);
    if (policy < 0 || !Number.isInteger(point) || !Number.isInteger(rep)) {
      throw new InputError(`a row does not belong to scenario '${plan.name}' (point '${record[0]}', policy '${record[1 + K]}')`, { file: readers[s]!.file });
    }
    return { job: (point * P + policy) * R + rep, raw: raw.endsWith('\n') ? raw : raw + '\n' };
  };
  let header: string | undefined;
  const heads: Array<{ job: number; raw: string } | null> = [];
  for (let s = 0; s < readers.length; s++) {
    const first = await readers[s]!.it.next();
    const h = first.done ? '' : first.value.raw.replace(/\r?\n$/, '') + '\n';
    if (header === undefined) header = h;
    else if (h !== header) throw new ConfigError(`${readers[s]!.file}: its columns differ from ${readers[0]!.file}'s; the shards did not run the same scenario`);
    heads.push(await next(s));
  }
  const out = openSync(outFile + '.tmp', 'w');
  try {
    writeSync(out, header ?? '');
    let buf = '';
    for (;;) {
      let min = -1;
      for (let s = 0; s < heads.length; s++) if (heads[s] && (min < 0 || heads[s]!.job < heads[min]!.job)) min = s;
      if (min < 0) break;
      const job = heads[min]!.job;
      while (heads[min] && heads[min]!.job === job) {
        buf += heads[min]!.raw;
        if (buf.length >= FLUSH) {
          writeSync(out, buf);
          buf = '';
        }
        heads[min] = await next(min);
      }
      // The same run in another shard: already written.
      for (let s = 0; s < heads.length; s++) while (heads[s] && heads[s]!.job === job) heads[s] = await next(s);
    }
    writeSync(out, buf);
  } finally {
    closeSync(out);
  }
  renameSync(outFile + '.tmp', outFile);
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  return csvCell(typeof v === 'object' ? JSON.stringify(v) : String(v));
}
