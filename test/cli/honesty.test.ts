/**
 * `servesim run` never ignores what it was told and never overwrites silently: a --set on a swept
 * field replaces the sweep (and says so), output folders are refused when not empty (--force
 * overwrites; --out FILE is exit 2), --json prints results.json itself, and a run that cannot
 * finish is refused before it starts. The built CLI in a child process (dist/ is built by
 * cli.test.ts's beforeAll when stale; here it must exist).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = resolve('dist/src/cli/main.js');
const FIXTURE_REGISTRY = resolve('dist/test/fixtures/registry.js');
const SCENARIO = 'test/fixtures/scenarios/queue-sweep.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'servesim-honesty-'));
const SMALL = ['--set', 'workload.generator.requests=40', '--set', 'replications=1', '-j', '1', '--no-html'];

function cli(args: string[], opts: { registry?: string; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, FORCE_COLOR: '0', SERVESIM_REGISTRY: opts.registry ?? FIXTURE_REGISTRY } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a --set on a swept field', () => {
  it('replaces the sweep with that one value and says so on stderr', () => {
    const out = join(tmp, 'set');
    const r = cli(['run', SCENARIO, '--out', out, ...SMALL, '--set', 'workload.generator.rps=6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('servesim: --set workload.generator.rps=6 replaces the sweep over workload.generator.rps (4, 8, 12)\n');
    // The table: a header, a rule, one row per policy (3), at the one point; no rps column left.
    const table = r.stdout.split('\n\n')[0]!.split('\n');
    expect(table).toHaveLength(2 + 3);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.runs).toHaveLength(3);
    expect(res.input.workload.generator.rps).toBe(6);
    expect(res.input.sweep).toEqual({});
    expect(res.runs[0].metrics.throughput_per_s).toBeGreaterThan(3);
    expect(res.runs[0].metrics.throughput_per_s).toBeLessThan(9);
    // Under --quiet the note goes too; the replacement still happens.
    const q = cli(['run', SCENARIO, '--out', join(tmp, 'set-q'), ...SMALL, '-q', '--set', 'workload.generator.rps=6']);
    expect(q.stderr).toBe('');
  });

  it('a set writing inside a swept value is refused, exit 2, one line', () => {
    const r = cli(['run', SCENARIO, '--out', join(tmp, 'inside'), ...SMALL, '--set', "sweep.hardware=[{gpu: h100-sxm}]", '--set', 'hardware.gpus=4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^servesim: error: --set hardware.gpus=4 writes inside 'hardware', which the sweep replaces at every point, so it would be lost; .*\n$/);
  });
});

describe('output folders', () => {
  it('default: out/<scenario file name>; a second run is refused until --force', () => {
    const cwd = join(tmp, 'cwd');
    mkdirSync(cwd);
    const scenario = join(cwd, 'my-study.yaml');
    // The file name, not the scenario's `name:` field (queue-sweep), names the folder.
    writeFileSync(scenario, readFileSync(SCENARIO, 'utf8'));
    const first = cli(['run', 'my-study.yaml', ...SMALL, '-q'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(cwd, 'out', 'my-study', 'results.json'))).toBe(true);
    const before = readFileSync(join(cwd, 'out', 'my-study', 'results.json'), 'utf8');
    const again = cli(['run', 'my-study.yaml', ...SMALL, '-q', '--seed', '9'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('servesim: error: the default output folder out/my-study is not empty (it holds results.json and 3 more); pass --force to overwrite it, or choose another --out\n');
    expect(readFileSync(join(cwd, 'out', 'my-study', 'results.json'), 'utf8')).toBe(before);
    const forced = cli(['run', 'my-study.yaml', ...SMALL, '-q', '--seed', '9', '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'out', 'my-study', 'results.json'), 'utf8')).scenario.seed).toBe(9);
  });

  it('--out naming a file: exit 2, one line, not an internal error', () => {
    const f = join(tmp, 'notes.md');
    writeFileSync(f, '# notes\n');
    for (const out of [f, join(f, 'sub')]) {
      const r = cli(['run', SCENARIO, '--out', out, ...SMALL]);
      expect(r.code, out).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^servesim: error: --out .* is a file, not a folder/);
    }
    expect(readFileSync(f, 'utf8')).toBe('# notes\n');
  });
});

describe('--json', () => {
  it('stdout is exactly results.json; notes and file names go to stderr', () => {
    const out = join(tmp, 'json');
    const r = cli(['run', SCENARIO, '--out', out, ...SMALL, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const written = readFileSync(join(out, 'results.json'), 'utf8');
    expect(r.stdout).toBe(written);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(Object.keys(JSON.parse(written)));
    expect(j.runs).toHaveLength(9);
    expect(r.stderr).toContain(`servesim: wrote ${join(out, 'results.json')}`);
  });
});

describe('the work estimate before a run', () => {
  it('10^12 requests are refused at once, exit 2, with the estimate and why', () => {
    const t0 = Date.now();
    // The real registry: the edit system's work model (the fixture's stand-in has none).
    const r = cli(['run', 'scenarios/quickstart.yaml', '--out', join(tmp, 'huge'), '--set', 'workload.generator.requests=1000000000000', '--yes'], { registry: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^servesim: error: this run cannot finish here: its largest run needs about \d+ TiB of memory \(1\.0e12 requests x 65 bytes for exact percentiles\) and this machine has .*; lower workload\.generator\.requests or use a shorter trace\n$/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(existsSync(join(tmp, 'huge'))).toBe(false);
  });

  it('more than a day is refused without --yes', () => {
    // 18 runs x 1e8 Mixtral tokens x 80 us on 1 thread: about 40 h; 1.6 GB of samples a run fits.
    const r = cli(['run', 'scenarios/moe-fallbacks-rtx4090.yaml', '--out', join(tmp, 'long'), '--set', 'workload.generator.tokens=100000000', '-j', '1'], { registry: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^servesim: error: this run would take about \d+ h \(estimate: 1\.8e9 tokens in 18 runs on 1 thread, .*\); pass --yes to run it anyway/);
  });
});
