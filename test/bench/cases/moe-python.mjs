// servesim vs the replay script a researcher would write (test/bench/reference/moe_replay.py),
// whole process each (start-up, trace parsing, results), on the same 20k-token Mixtral routing
// trace written by `servesim trace gen moe`: H100 PCIe, a per-layer LRU of 128 experts, fetch on
// miss; prefetch none and previous-token at batch 1, and no prefetch at batch 8. The case fails
// unless both give the same hit rate (servesim's is rounded to 6 significant digits), then prints
// `servesim speed / python speed` on CPU seconds (wall beside it), from interleaved pairs.
// Skipped (no rows) when python3 is absent.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { roundSig } from '../../../dist/src/metrics/summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const script = join(here, '..', 'reference', 'moe_replay.py');
const TOKENS = Number(process.env.MOE_PY_TOKENS ?? 20_000);
const PAIRS = Number(process.env.MOE_PY_PAIRS ?? 2);

const VARIANTS = [
  { label: 'prefetch none, batch 1', policy: { prefetch: 'none' }, py: [] },
  { label: 'prefetch previous-token, batch 1', policy: { prefetch: 'previous-token' }, py: ['--prefetch', 'previous-token'] },
  { label: 'prefetch none, batch 8', policy: { prefetch: 'none', batch_size: 8 }, py: ['--batch', '8'] },
];

/** Wall and CPU seconds of a whole child process (bash's `times` reports its children's CPU). */
function measure(argv) {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `${quoted} > "$BENCH_STDOUT"; s=$?; times; exit $s`], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_STDOUT: stdoutFile },
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const children = r.stdout.trim().split('\n').at(-1).split(/\s+/).map(secs);
  return { wall, cpu: children[0] + children[1], stdout: readFileSync(stdoutFile, 'utf8') };
}
const secs = (s) => {
  const m = /^(\d+)m([\d.]+)s$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

let stdoutFile = '';

export function run() {
  if (spawnSync('python3', ['--version']).status !== 0) {
    console.error('moe-python: python3 not found, case skipped');
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), 'servesim-moe-py-'));
  stdoutFile = join(dir, 'stdout');
  try {
    const trace = join(dir, 'trace.csv');
    execFileSync(process.execPath, [cli, 'trace', 'gen', 'moe', '--param', `tokens=${TOKENS}`, '--param', 'request_tokens=500', '--out', trace, '-q']);
    const out = [];
    for (const v of VARIANTS) {
      const scenario = join(dir, 'scenario.yaml');
      const policy = { cache_experts: 128, cache: 'lru', miss: 'fetch', ...v.policy };
      writeFileSync(
        scenario,
        JSON.stringify({ name: 'moe-python-bench', system: 'moe', seed: 1, hardware: { gpu: 'h100-pcie', host: 'xeon-8380-2s' }, model: { preset: 'mixtral-8x7b-fp16' }, workload: { trace: 'trace.csv' }, policies: [{ label: 'bench', policy }] }),
      );
      const ours = [];
      const theirs = [];
      for (let i = 0; i < PAIRS; i++) {
        ours.push(measure([process.execPath, cli, 'run', scenario, '--out', join(dir, 'out'), '--force', '-q']));
        theirs.push(measure(['python3', script, trace, ...v.py]));
      }
      const ourHit = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')).runs[0].metrics.hit_rate;
      const py = JSON.parse(theirs[0].stdout.trim().split('\n').at(-1));
      if (ourHit !== roundSig(py.hit_rate)) {
        throw new Error(`moe-python (${v.label}): hit rates differ, servesim ${ourHit} vs python ${py.hit_rate} (${py.hits}/${py.accesses}); the script no longer models servesim's cache`);
      }
      const best = (rs, k) => Math.min(...rs.map((r) => r[k]));
      const cpu = best(theirs, 'cpu') / best(ours, 'cpu');
      const wall = best(theirs, 'wall') / best(ours, 'wall');
      console.error(
        `moe-python ${v.label}: hit rate ${ourHit} both; servesim ${best(ours, 'cpu').toFixed(2)} s CPU ${best(ours, 'wall').toFixed(2)} s wall, ` +
          `python ${best(theirs, 'cpu').toFixed(2)} s CPU ${best(theirs, 'wall').toFixed(2)} s wall (best of ${PAIRS} interleaved)`,
      );
      out.push({
        name: `moe vs python script: ${TOKENS / 1000}k tokens, ${v.label}`,
        value: cpu,
        unit: 'x (cpu)',
        target: '>= 3',
        wall_ratio: Math.round(wall * 100) / 100,
        cpu_seconds: Math.round(best(ours, 'cpu') * 100) / 100,
        python_cpu_seconds: Math.round(best(theirs, 'cpu') * 100) / 100,
        hit_rate: ourHit,
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
