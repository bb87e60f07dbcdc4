// Start-up end to end: `servesim run test/bench/fixtures/tiny.yaml --out <tmp>` (3 image edits:
// what it measures is module loading, scenario parsing and writing results, not simulation),
// `servesim --help`, and the floor `node -e 0`, each a whole child process, interleaved, best of
// RUNS. Wall seconds (the target: under 0.5 s) and CPU seconds (bash's `times` of the
// child: on a shared machine, neighbours inflate wall time).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', '..', 'dist', 'src', 'cli', 'main.js');
const tiny = join(here, '..', 'fixtures', 'tiny.yaml');
const RUNS = Number(process.env.STARTUP_RUNS ?? 5);

function measure(argv) {
  const quoted = argv.map((a) => `'${a}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `${quoted} > /dev/null; s=$?; times; exit $s`], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [user, sys] = r.stdout.trim().split('\n').at(-1).split(/\s+/).map((s) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(s);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return { wall, cpu: user + sys };
}

export function run() {
  const dir = mkdtempSync(join(tmpdir(), 'servesim-startup-'));
  try {
    const cases = {
      'node -e 0': [process.execPath, '-e', '0'],
      'servesim --help': [process.execPath, cli, '--help'],
      'servesim run tiny scenario': [process.execPath, cli, 'run', tiny, '--out', join(dir, 'out'), '--force', '-q'],
    };
    const best = Object.fromEntries(Object.keys(cases).map((k) => [k, { wall: Infinity, cpu: Infinity }]));
    for (let i = 0; i < RUNS; i++) {
      for (const [k, argv] of Object.entries(cases)) {
        const m = measure(argv);
        best[k].wall = Math.min(best[k].wall, m.wall);
        best[k].cpu = Math.min(best[k].cpu, m.cpu);
      }
    }
    const floor = best['node -e 0'];
    return Object.entries(best).map(([k, b]) => ({
      name: `startup: ${k}`,
      value: b.wall,
      unit: 's wall',
      ...(k.includes('tiny') ? { target: '< 0.5' } : {}),
      cpu_seconds: Math.round(b.cpu * 100) / 100,
      over_floor_cpu_s: Math.round((b.cpu - floor.cpu) * 100) / 100,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
