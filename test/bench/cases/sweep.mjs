// A 64-point sweep through the real command line (`servesim run`, results.json + csv + report),
// with --jobs 1 and with one worker thread per core: the speed-up ratio. The points: Mixtral on an
// H100 PCIe, 4 prefetch policies x 16 expert-cache sizes, 10k decode tokens each (about 1 s per
// run: a sweep over long traces, the case parallel runs are for). What does not divide by the
// cores is each worker's start-up (node + registry import, measured below) and its first run's
// warm-up, about 1.3 s together: on sweeps of a few seconds that, not the pool, sets the ratio.
// Also: the CLI's start-up (`--help`) and a worker thread's registry load, each as its own process.
// Reports wall seconds, CPU seconds of the child processes (Linux /proc; else NaN) and their peak
// RSS (GNU time, where installed).
// The two sweeps must give identical results.csv bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');

const SCENARIO = `name: bench-sweep
system: moe
seed: 1
hardware: { gpu: h100-pcie, host: xeon-8380-2s }
model: { preset: mixtral-8x7b-fp16 }
workload:
  generator: { tokens: 10000, request_tokens: 500 }
policies:
  - label: LRU, fetch on miss
    policy: { cache: lru, miss: fetch }
sweep:
  policy.prefetch: [none, previous-token, popularity, predicted]
  policy.cache_experts: { from: 64, to: 214, step: 10 }
`;

/** CPU seconds of this process's waited-for children so far (utime + stime), or NaN off Linux. */
function childCpu() {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // After the command name: field 14 cutime, 15 cstime (1-based, counting pid and comm).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs node with `args`: wall seconds, CPU seconds and (with GNU time) the child's peak RSS in MB. */
function timedRun(args) {
  const c0 = childCpu();
  const t0 = performance.now();
  const [cmd, argv] = GNU_TIME ? [GNU_TIME, ['-f', 'MAXRSS_KB %M', process.execPath, ...args]] : [process.execPath, args];
  const res = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const secs = (performance.now() - t0) / 1000;
  let rss = NaN;
  for (const line of (res.stderr ?? '').split('\n')) {
    const m = /^MAXRSS_KB (\d+)$/.exec(line);
    if (m) rss = Math.round(Number(m[1]) / 1024);
    else if (line) process.stderr.write(line + '\n');
  }
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${res.status}`);
  return { secs, cpu: childCpu() - c0, rss };
}

const round = (x) => Math.round(x * 100) / 100;

export function run() {
  const dir = mkdtempSync(join(tmpdir(), 'servesim-sweep-bench-'));
  try {
    const file = join(dir, 'sweep.yaml');
    writeFileSync(file, SCENARIO);
    const cores = availableParallelism();
    const out = [];

    // CLI start-up and a worker's registry load (median of 5, each a fresh process).
    const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const help = Array.from({ length: 5 }, () => timedRun([cli, '--help']));
    const registry = join(root, 'dist/src/registry.js');
    const loadScript = `await import(${JSON.stringify(pathToFileURL(registry).href)});`;
    const reg = Array.from({ length: 5 }, () => timedRun(['--input-type=module', '-e', loadScript]));
    out.push(
      { name: 'cli: `servesim --help` start-up', value: median(help.map((r) => r.secs)), unit: 's wall', cpu_seconds: round(median(help.map((r) => r.cpu))), peak_rss_mb: median(help.map((r) => r.rss)) },
      { name: 'cli: node + registry import (a worker start)', value: median(reg.map((r) => r.secs)), unit: 's wall', cpu_seconds: round(median(reg.map((r) => r.cpu))), peak_rss_mb: median(reg.map((r) => r.rss)) },
    );

    // The sweep: serial and parallel, interleaved twice; each keeps its faster run (other jobs on
    // the machine can only slow a run down, and they slow the parallel one, which needs both cores, most).
    const sweep = (jobs, tag) => timedRun([cli, 'run', file, '--out', join(dir, tag), '--jobs', String(jobs), '--quiet']);
    const load0 = loadavg()[0];
    const s1 = sweep(1, 'serial');
    const p1 = sweep(cores, 'parallel');
    const s2 = sweep(1, 'serial2');
    const p2 = sweep(cores, 'parallel2');
    const same = readFileSync(join(dir, 'serial/results.csv'), 'utf8') === readFileSync(join(dir, 'parallel/results.csv'), 'utf8');
    if (!same) throw new Error('sweep: --jobs 1 and --jobs N gave different results.csv');
    const serial = Math.min(s1.secs, s2.secs);
    const p = p1.secs <= p2.secs ? p1 : p2;
    console.error(
      `sweep: 64 points, --jobs 1 ${s1.secs.toFixed(1)} / ${s2.secs.toFixed(1)} s wall (${s1.cpu.toFixed(1)} / ${s2.cpu.toFixed(1)} s CPU), ` +
        `--jobs ${cores} ${p1.secs.toFixed(1)} / ${p2.secs.toFixed(1)} s wall (${p1.cpu.toFixed(1)} / ${p2.cpu.toFixed(1)} s CPU); ` +
        `speed-up of the slower pair ${(Math.max(s1.secs, s2.secs) / Math.max(p1.secs, p2.secs)).toFixed(2)}x; load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`,
    );
    out.push(
      { name: 'sweep: 64 points, --jobs 1', value: serial, unit: 's wall', cpu_seconds: round(Math.min(s1.cpu, s2.cpu)), peak_rss_mb: Math.max(s1.rss, s2.rss) },
      { name: `sweep: 64 points, --jobs ${cores}`, value: p.secs, unit: 's wall', cpu_seconds: round(p.cpu), peak_rss_mb: Math.max(p1.rss, p2.rss) },
      {
        name: `sweep: speed-up --jobs ${cores} vs --jobs 1`,
        value: serial / p.secs,
        unit: 'x',
        target: '>= 1.8 on 2 cores',
        // What a quiet machine would give: serial CPU over parallel CPU spread on the cores (start-up included).
        cpu_bound_speedup: round(Math.min(s1.cpu, s2.cpu) / (p.cpu / cores)),
        load_average: round(load0),
      },
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
