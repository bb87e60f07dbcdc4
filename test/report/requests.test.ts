/**
 * requests.csv, one row per request of every run: read back with csv-parse, its rows recompute
 * results.json's request metrics exactly (mean, p50 of latency; queueing; per-phase means), the
 * row counts match the conservation counts and the warm-up rule, per-phase times add up to the
 * latency, and the file is byte-identical between serial, worker-thread and sharded+merged runs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundSig } from '../../src/metrics/summary.js';
import { REGISTRY } from '../../src/registry.js';
import { readResults, writeOutputs } from '../../src/report/io.js';
import type { ResultsFile } from '../../src/report/types.js';
import { runPlan } from '../../src/scenario/runner.js';
import { cli, ensureBuilt } from '../robust/cli-helpers.js';
import { planOf } from '../robust/scenario-helpers.js';
import { EDIT, ODD } from './requests-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-requests-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const T2I = `
name: t2i-tiny
system: t2i
seed: 2
replications: 2
hardware: { gpu: h800, gpus: 4 }
model: { preset: sdxl }
workload:
  generator: { requests: 40, rps: 0.5 }
policies:
  - label: merge
    policy: { application: merge, lora_store: remote, host_eviction: lru }
  - label: sync
    policy: { application: sync, lora_store: remote, host_eviction: lfu }
warmup: { requests: 6 }
`;

const MOE = (warmupTokens: number) => `
name: moe-tiny
system: moe
seed: 1
replications: 2
hardware: { gpu: rtx-4090, host: desktop-13900k }
model: { preset: mixtral-8x7b-fp16 }
workload:
  generator: { tokens: 120, request_tokens: 20, rps: 4 }
policies:
  - label: fetch
    policy: { prefetch: predicted, miss: fetch, cache_experts: 48 }
  - label: drop
    policy: { prefetch: predicted, miss: drop, cache_experts: 48 }
warmup: { tokens: ${warmupTokens} }
`;

type Row = Record<string, string>;

interface Ran {
  dir: string;
  results: ResultsFile;
  text: string;
  header: string[];
  rows: Row[];
}

async function run(name: string, yaml: string): Promise<Ran> {
  const dir = join(tmp, name);
  const plan = planOf(yaml);
  const { results, requestsFile } = await runPlan(plan, { registry: REGISTRY, jobs: 1, outDir: dir, requests: true });
  expect(requestsFile).toBe(join(dir, 'requests.csv'));
  writeOutputs(results, dir, { html: false });
  const text = readFileSync(join(dir, 'requests.csv'), 'utf8');
  const header = (parse(text, { to_line: 1 }) as string[][])[0]!;
  const rows = parse(text, { columns: true }) as Row[];
  // results.json as written, not the object in memory.
  return { dir, results: readResults(join(dir, 'results.json')), text, header, rows };
}

const COMMON = ['request', 'arrival_ms', 'start_ms', 'finish_ms', 'queueing_ms', 'latency_ms', 'warmup'];

/** Type-7 quantile (numpy's default), written out here rather than imported. */
function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const col = (rows: Row[], c: string) => rows.map((r) => Number(r[c]));

/** The rows of each run (point, policy, replication) of a results file, in results order. */
function byRun(r: Ran): Array<{ run: ResultsFile['runs'][number]; rep: ResultsFile['runs'][number]['replications'][number]; rows: Row[] }> {
  const keys = r.results.sweep.keys;
  const out = [];
  for (const run of r.results.runs) {
    for (const rep of run.replications) {
      const rows = r.rows.filter(
        (x) => x.policy === run.policy && Number(x.point) === run.point && Number(x.replication) === rep.replication && keys.every((k) => x[k] === String(run.params[k])),
      );
      expect(rows.every((x) => Number(x.seed) === rep.seed)).toBe(true);
      out.push({ run, rep, rows });
    }
  }
  return out;
}

/** Every non-key cell parses as a finite number (pandas reads each column as one numeric dtype). */
function expectNumeric(r: Ran, skip: string[]): void {
  for (const c of r.header.filter((h) => !skip.includes(h))) {
    for (const row of r.rows) expect(Number.isFinite(Number(row[c])) && row[c] !== '', `${c}='${row[c]}'`).toBe(true);
  }
}

function expectCommon(r: Ran, systemColumns: string[]): void {
  expect(r.header).toEqual(['point', ...r.results.sweep.keys, 'policy', 'replication', 'seed', ...COMMON, ...systemColumns]);
  expect(r.text.endsWith('\n')).toBe(true);
  expect(r.text.includes('#')).toBe(false);
  expectNumeric(r, ['policy', 'request', ...r.results.sweep.keys]);
  for (const x of r.rows) {
    expect(['0', '1']).toContain(x.warmup);
    const [a, s, f] = [Number(x.arrival_ms), Number(x.start_ms), Number(x.finish_ms)];
    expect(s).toBeGreaterThanOrEqual(a);
    expect(f).toBeGreaterThanOrEqual(s);
    expect(Number(x.latency_ms)).toBeCloseTo(f - a, 6);
    expect(Number(x.queueing_ms)).toBeCloseTo(s - a, 6);
  }
  // Every run has rows, and the file holds nothing else.
  const runs = byRun(r);
  expect(runs.reduce((n, x) => n + x.rows.length, 0)).toBe(r.rows.length);
  for (const x of runs) expect(x.rows.length).toBeGreaterThan(0);
}

describe('requests.csv recomputes results.json', () => {
  it('edit: latency mean/p50, queueing, load and bubble; rows = completed, warmup = 1 for the discarded', async () => {
    const r = await run('edit', EDIT);
    expectCommon(r, ['prepare_ms', 'load_ms', 'bubble_ms', 'denoise_ms', 'decode_ms', 'steps', 'worker', 'cache_hit']);
    expect(r.rows.some((x) => x.policy === ODD)).toBe(true);
    expect(r.text).toContain('"masked, ""pipeline"""');
    for (const { rep, rows } of byRun(r)) {
      const m = rep.metrics as any;
      expect(rows.length).toBe(rep.conservation.completed);
      const kept = rows.filter((x) => x.warmup === '0');
      expect(kept.length).toBe(m.requests.measured);
      expect(rows.length - kept.length).toBe(5);
      expect(roundSig(mean(col(kept, 'latency_ms')))).toBe(m.latency_ms.mean);
      expect(roundSig(quantile(col(kept, 'latency_ms'), 0.5))).toBe(m.latency_ms.p50);
      expect(roundSig(quantile(col(kept, 'latency_ms'), 0.99))).toBe(m.latency_ms.p99);
      expect(roundSig(mean(col(kept, 'queueing_ms')))).toBe(m.queue_ms.mean);
      expect(roundSig(mean(col(kept, 'load_ms')))).toBe(m.cache_load_ms.mean);
      expect(roundSig(mean(col(kept, 'bubble_ms')))).toBe(m.bubble_ms.mean);
      // The phases add up: queueing + denoising (from admission) + VAE decode = latency.
      for (const x of rows) expect(Number(x.queueing_ms) + Number(x.denoise_ms) + Number(x.decode_ms)).toBeCloseTo(Number(x.latency_ms), 6);
    }
    // The queueing column is not all zeros at 2 req/s on the full-compute baseline (it could not fail otherwise).
    expect(Math.max(...col(r.rows, 'queueing_ms'))).toBeGreaterThan(0);
  });

  it('t2i: latency mean/p50, LoRA load/patch means; phases add up to the latency', async () => {
    const r = await run('t2i', T2I);
    expectCommon(r, ['setup_ms', 'lora_load_ms', 'lora_patch_ms', 'lora_wait_ms', 'denoise_ms', 'decode_ms', 'steps', 'loras', 'controlnets', 'steps_without_lora', 'stale_steps', 'worker']);
    for (const { rep, rows } of byRun(r)) {
      const m = rep.metrics as any;
      expect(rows.length).toBe(rep.conservation.completed);
      const kept = rows.filter((x) => x.warmup === '0');
      expect(kept.length).toBe(m.requests.measured);
      expect(roundSig(mean(col(kept, 'latency_ms')))).toBe(m.latency_ms.mean);
      expect(roundSig(quantile(col(kept, 'latency_ms'), 0.5))).toBe(m.latency_ms.p50);
      const withLora = kept.filter((x) => Number(x.loras) > 0);
      expect(withLora.length).toBeGreaterThan(0);
      expect(roundSig(mean(col(withLora, 'lora_load_ms')))).toBe(m.lora_load_ms.mean);
      expect(roundSig(mean(col(withLora, 'lora_patch_ms')))).toBe(m.lora_patch_ms.mean);
      for (const x of rows) {
        const sum = Number(x.queueing_ms) + Number(x.setup_ms) + Number(x.denoise_ms) + Number(x.decode_ms);
        expect(sum).toBeCloseTo(Number(x.latency_ms), 6);
      }
    }
  });

  it('moe: time to first token mean/p50 over requests past the warm-up; tokens and stall add up to the run totals', async () => {
    const warm = await run('moe-warm', MOE(30));
    expectCommon(warm, ['ttft_ms', 'tokens', 'stall_ms']);
    const cold = await run('moe-cold', MOE(0));
    for (const r of [warm, cold]) {
      for (const { rep, rows } of byRun(r)) {
        const m = rep.metrics as any;
        expect(rows.length).toBe(rep.conservation.completed);
        expect(rows.length).toBe(6);
        const kept = rows.filter((x) => x.warmup === '0');
        expect(kept.length).toBeGreaterThan(0);
        expect(roundSig(mean(col(kept, 'ttft_ms')))).toBe(m.ttft_ms.mean);
        expect(roundSig(quantile(col(kept, 'ttft_ms'), 0.5))).toBe(m.ttft_ms.p50);
        for (const x of rows) expect(Number(x.ttft_ms)).toBeLessThanOrEqual(Number(x.latency_ms));
        expect(col(rows, 'tokens').reduce((a, b) => a + b, 0)).toBe(120);
      }
    }
    // The warm-up rule flags requests whose first token ran in the warm-up (30 tokens: at least the first two requests).
    for (const { rows } of byRun(warm)) expect(rows.filter((x) => x.warmup === '1').length).toBeGreaterThanOrEqual(2);
    // With no warm-up every token counts: the per-request sums are results.json's totals.
    for (const { rep, rows } of byRun(cold)) {
      const m = rep.metrics as any;
      expect(rows.every((x) => x.warmup === '0')).toBe(true);
      const tokens = col(rows, 'tokens').reduce((a, b) => a + b, 0);
      expect(tokens).toBe(m.decode_tokens);
      expect(roundSig(col(rows, 'stall_ms').reduce((a, b) => a + b, 0) / tokens, 4)).toBe(roundSig(m.stall_ms, 4));
    }
  });

  it('is byte-identical for the same scenario and seed, and differs for another seed', async () => {
    const a = await run('edit-again', EDIT);
    const b = readFileSync(join(tmp, 'edit', 'requests.csv'), 'utf8');
    expect(a.text).toBe(b);
    const c = await run('edit-seed', EDIT.replace('seed: 3', 'seed: 4'));
    expect(c.text).not.toBe(b);
    // The per-job part files are gone once the run is complete.
    expect(existsSync(join(a.dir, '.requests-parts'))).toBe(false);
  });
});

describe('requests.csv across an interrupted run', () => {
  it('an interrupted run keeps the finished runs\' rows; --resume completes the same bytes as one run', async () => {
    const want = readFileSync(join(tmp, 'edit', 'requests.csv'), 'utf8');
    const dir = join(tmp, 'edit-resume');
    const plan = planOf(EDIT);
    const ctl = new AbortController();
    const first = await runPlan(plan, { registry: REGISTRY, jobs: 1, outDir: dir, requests: true, signal: ctl.signal, onProgress: (p) => p.done >= 3 && ctl.abort() });
    expect(first.interrupted).toBe(true);
    writeOutputs(first.results, dir, { html: false });
    const partial = readFileSync(join(dir, 'requests.csv'), 'utf8');
    // The finished runs' rows, a prefix of the full file here (jobs run in order on one thread).
    expect(partial.length).toBeLessThan(want.length);
    expect(want.startsWith(partial)).toBe(true);
    expect(new Set((parse(partial, { columns: true }) as Row[]).map((x) => `${x.point}/${x.policy}/${x.replication}`)).size).toBe(first.ran);
    expect(existsSync(join(dir, '.requests-parts'))).toBe(true);
    const second = await runPlan(plan, { registry: REGISTRY, jobs: 1, outDir: dir, requests: true, resume: true });
    expect(second.resumed).toBe(first.ran);
    expect(second.results.complete).toBe(true);
    expect(readFileSync(join(dir, 'requests.csv'), 'utf8')).toBe(want);
    expect(existsSync(join(dir, '.requests-parts'))).toBe(false);
  });
});

describe('servesim run / merge write requests.csv', () => {
  beforeAll(() => ensureBuilt(), 180_000);
  const scenario = join(tmp, 'cli', 'edit-tiny.yaml');
  const base = () => ['run', scenario, '-q', '--no-html'];

  it('serial = worker threads = shards merged (byte-identical); --no-requests writes none', async () => {
    mkdirSync(join(tmp, 'cli'), { recursive: true });
    writeFileSync(scenario, EDIT);
    const d = (k: string) => join(tmp, 'cli', k);
    const serial = await cli([...base(), '--out', d('serial'), '-j', '1']);
    expect(serial.code, serial.stderr).toBe(0);
    const threads = await cli([...base(), '--out', d('threads'), '-j', '2']);
    expect(threads.code, threads.stderr).toBe(0);
    const want = readFileSync(join(d('serial'), 'requests.csv'), 'utf8');
    expect(readFileSync(join(d('threads'), 'requests.csv'), 'utf8')).toBe(want);
    // And results.json too (the threaded run defers the traced runs until the first policy's Gantt window is known).
    const stable = (dir: string) => {
      const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
      delete r.wallclock;
      return JSON.stringify(r);
    };
    expect(stable(d('threads'))).toBe(stable(d('serial')));

    const lines: number[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await cli([...base(), '--out', d(`shard-${i}`), '--shard', `${i}/2`, '-j', '1']);
      expect(s.code, s.stderr).toBe(0);
      lines.push(readFileSync(join(d(`shard-${i}`), 'requests.csv'), 'utf8').trimEnd().split('\n').length - 1);
    }
    const m = await cli(['merge', join(d('shard-0'), 'results.json'), join(d('shard-1'), 'results.json'), '--out', d('merged'), '--json', '--no-html']);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout).files).toContain(join(d('merged'), 'requests.csv'));
    const merged = readFileSync(join(d('merged'), 'requests.csv'), 'utf8');
    expect(merged.trimEnd().split('\n').length - 1).toBe(lines[0]! + lines[1]!);
    expect(lines[0]).toBeGreaterThan(0);
    expect(lines[1]).toBeGreaterThan(0);
    expect(merged).toBe(want);
    // Shards given in the other order: the same file (rows go back into job order).
    const m2 = await cli(['merge', join(d('shard-1'), 'results.json'), join(d('shard-0'), 'results.json'), '--out', d('merged2'), '-q', '--no-html']);
    expect(m2.code, m2.stderr).toBe(0);
    expect(readFileSync(join(d('merged2'), 'requests.csv'), 'utf8')).toBe(want);

    const none = await cli([...base(), '--out', d('none'), '-j', '1', '--no-requests', '--json']);
    expect(none.code, none.stderr).toBe(0);
    expect(existsSync(join(d('none'), 'results.json'))).toBe(true);
    expect(existsSync(join(d('none'), 'requests.csv'))).toBe(false);
    expect(existsSync(join(d('none'), '.requests-parts'))).toBe(false);
    // --json: stdout is results.json itself.
    expect(JSON.parse(none.stdout)).toEqual(JSON.parse(readFileSync(join(d('none'), 'results.json'), 'utf8')));
    // A shard without requests.csv: merge says so and writes none.
    const half = await cli(['merge', join(d('shard-0'), 'results.json'), join(d('none'), 'results.json'), '--out', d('merged-none'), '--no-html']);
    expect(half.code).toBe(0);
    expect(half.stderr).toContain('no requests.csv written');
    expect(existsSync(join(d('merged-none'), 'requests.csv'))).toBe(false);
  }, 300_000);
});
