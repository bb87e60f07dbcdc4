/**
 * The built CLI as users run it: `node dist/src/cli/main.js ...` in a child process, with the test
 * fixture registry (SERVESIM_REGISTRY=dist/test/fixtures/registry.js) so these tests do not depend
 * on which systems src/registry.ts registers. Builds first when dist/ is missing or stale.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, newestSource } from '../robust/cli-helpers.js';

const MAIN = resolve('dist/src/cli/main.js');
const FIXTURE_REGISTRY = resolve('dist/test/fixtures/registry.js');
const SCENARIO = 'test/fixtures/scenarios/queue-sweep.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'servesim-cli-'));

function cli(args: string[], opts: { input?: string } = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', input: opts.input, env: { ...process.env, FORCE_COLOR: '0', SERVESIM_REGISTRY: FIXTURE_REGISTRY } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}
/** results.json minus the wall-clock section: the bytes determinism promises. */
function stable(path: string): string {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  delete r.wallclock;
  return JSON.stringify(r, null, 2);
}

beforeAll(() => {
  const sources = newestSource('src', 'test/fixtures');
  ensureBuilt(sources);
  if (!existsSync(FIXTURE_REGISTRY) || statSync(FIXTURE_REGISTRY).mtimeMs < sources) {
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'test/fixtures/tsconfig.json'], { stdio: 'inherit' });
  }
}, 180_000);

describe('servesim CLI: help and errors', () => {
  it('--help of every command shows an example', () => {
    for (const cmd of [[], ['run'], ['trace'], ['trace', 'gen'], ['trace', 'inspect'], ['trace', 'check'], ['trace', 'import'], ['report'], ['merge'], ['presets']]) {
      const r = cli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/Examples:\n\s+servesim /);
    }
  });

  it('a bad scenario: exit 2, one line per problem with file:line, no stack trace', () => {
    const bad = file('bad.yaml', 'name: bad\nsystem: edit\nworkload:\n  generator: { rps: fast }\npolicies:\n  - label: a\n    policy: { order: lifo }\n');
    const r = cli(['run', bad, '--out', join(tmp, 'bad-out')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `servesim: error: ${bad}:4 workload.generator.rps: expected a number, got "fast"`,
      `servesim: error: ${bad}:7 policies[0].policy.order: expected one of "fifo", "sjf", got "lifo"`,
    ]);
    expect(existsSync(join(tmp, 'bad-out'))).toBe(false);
    const debug = cli(['run', bad, '--debug']);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /); // the stack, only with --debug
  });

  it('usage errors and missing files exit 2 with one line', () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /Unknown argument: frobnicate/],
      [['run'], /run: missing argument <scenario>/],
      [['run', join(tmp, 'missing.yaml')], /missing\.yaml: cannot read scenario \(ENOENT\)/],
      [['run', SCENARIO, '--jobs', '0'], /--jobs expects a positive integer/],
      [['run', SCENARIO, '--shard', '5/2'], /--shard 5\/2: need 0 <= I < N/],
      [['run', SCENARIO, '--set', 'nonsense'], /--set expects path=value/],
      [['trace', 'check', join(tmp, 'none.csv')], /none\.csv: cannot read trace \(ENOENT\)/],
      [['report', join(tmp, 'none.json')], /none\.json: cannot read results \(ENOENT\)/],
      [['trace', 'gen', 'moe', '--out', join(tmp, 'x.csv')], /trace kind 'moe' is not available in this build/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});

describe('servesim run: determinism across --jobs and shards', () => {
  it('serial, --jobs 2 and 3 shards + merge write identical results.json (wall clock aside)', () => {
    const set = ['--set', 'workload.generator.requests=80', '--set', 'replications=2', '-q'];
    expect(cli(['run', SCENARIO, '--out', join(tmp, 'serial'), '-j', '1', ...set]).code).toBe(0);
    expect(cli(['run', SCENARIO, '--out', join(tmp, 'par'), '-j', '2', ...set]).code).toBe(0);
    for (let i = 0; i < 3; i++) expect(cli(['run', SCENARIO, '--out', join(tmp, `shard-${i}`), '--shard', `${i}/3`, '-j', '2', ...set]).code).toBe(0);
    const merged = cli(['merge', ...[0, 1, 2].map((i) => join(tmp, `shard-${i}`, 'results.json')), '--out', join(tmp, 'merged'), '-q']);
    expect(merged.code).toBe(0);
    const serial = stable(join(tmp, 'serial', 'results.json'));
    expect(stable(join(tmp, 'par', 'results.json'))).toBe(serial);
    expect(stable(join(tmp, 'merged', 'results.json'))).toBe(serial);
    expect(readFileSync(join(tmp, 'merged', 'results.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'serial', 'results.csv'), 'utf8'));
    // A missing shard is reported and fails the merge (exit 2) but still writes what it has.
    const partial = cli(['merge', join(tmp, 'shard-0', 'results.json'), '--out', join(tmp, 'partial')]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/run\(s\) missing/);
  }, 120_000);

  it('--json prints machine output; the contract fields are in results.json', () => {
    const out = join(tmp, 'json');
    const r = cli(['run', SCENARIO, '--out', out, '--json', '-j', '1', '--set', 'workload.generator.requests=40', '--seed', '3']);
    expect(r.code).toBe(0);
    // stdout is results.json itself, byte for byte (notes went to stderr).
    expect(r.stdout).toBe(readFileSync(join(out, 'results.json'), 'utf8'));
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ complete: true, missing: [] });
    expect(res.runs).toHaveLength(9); // 3 points x 3 policies, 3 replications each
    expect(res.runs[0].replications).toHaveLength(3);
    expect(res.servesim).toMatch(/^\d+\.\d+\.\d+/);
    expect(res.scenario).toMatchObject({ name: 'queue-sweep', system: 'edit', seed: 3 });
    expect(res.runs[0]).toMatchObject({ policy: 'fifo-2', params: { 'workload.generator.rps': 4 } });
    expect(res.runs[0].metrics.latency_ms.p99).toBeGreaterThan(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')[0]).toMatch(/^point,workload\.generator\.rps,policy,replications,status,.*latency_ms\.p90,/);
    expect(readFileSync(join(out, 'results-long.csv'), 'utf8').split('\n')[0]).toBe('point,workload.generator.rps,policy,metric,value,ci95,lo,hi,n');
  });

  it('Ctrl-C (SIGINT) keeps finished runs, exits 130, and --resume completes them', async () => {
    const out = join(tmp, 'int');
    const args = ['run', SCENARIO, '--out', out, '-j', '1', '--set', 'workload.generator.requests=30000', '--set', 'replications=1'];
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SERVESIM_REGISTRY: FIXTURE_REGISTRY } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait for the first finished run in the checkpoint, then interrupt.
    const cp = join(out, 'checkpoint.jsonl');
    for (let i = 0; i < 600; i++) {
      if (existsSync(cp) && readFileSync(cp, 'utf8').trimEnd().split('\n').length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: \d+ of 9 runs finished and saved in .*; rerun with --resume/);
    const partial = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(partial.complete).toBe(false);
    expect(partial.runs.length).toBeGreaterThan(0);
    const resumed = cli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resumed \d+ finished run/);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).complete).toBe(true);
  }, 120_000);
});

describe('servesim trace, report, presets', () => {
  it('trace gen -> inspect -> check; a bad row is named by line and column', () => {
    const t = join(tmp, 'gen.csv');
    const g = cli(['trace', 'gen', 'edit', '--param', 'requests=200', '--param', 'rps=5', '--seed', '4', '--out', t]);
    expect(g.code).toBe(0);
    expect(g.stdout).toBe(`wrote 200 edit rows to ${t}\n`);
    const again = join(tmp, 'gen2.csv');
    cli(['trace', 'gen', 'edit', '--param', 'requests=200', '--param', 'rps=5', '--seed', '4', '--out', again]);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(t, 'utf8'));
    const inspect = JSON.parse(cli(['trace', 'inspect', t, '--json']).stdout);
    expect(inspect).toMatchObject({ kind: 'edit', stats: { rows: 200 } });
    expect(inspect.stats.rate_per_s).toBeGreaterThan(4);
    expect(inspect.stats.rate_per_s).toBeLessThan(6);
    expect(cli(['trace', 'check', t]).stdout).toBe(`${t}: ok, 200 edit rows\n`);
    const bad = file('bad.csv', 'arrival_s,request,template,mask_ratio\n0.5,r0,t1,0.2\n0.7,r1,t2,1.5\n');
    const c = cli(['trace', 'check', bad]);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe(`servesim: error: ${bad}:3 field 'mask_ratio': expected a number <= 1, got '1.5'\n`);
    const unknown = file('unknown.csv', 'when,what\n1,2\n');
    expect(cli(['trace', 'inspect', unknown]).stderr).toMatch(/cannot tell the trace kind from the header 'when,what'/);
    const p = cli(['trace', 'gen', 'edit', '--param', 'rps=-1', '--out', join(tmp, 'y.csv')]);
    expect(p.code).toBe(2);
    expect(p.stderr).toBe('servesim: error: --param rps: expected a positive number, got -1\n');
  });

  it('trace import writes a trace the kind reader accepts', () => {
    const out = join(tmp, 'azure-edit.csv');
    const r = cli(['trace', 'import', 'azure-llm', 'test/fixtures/import/azure-llm.csv', '--rps', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote 6 rows \(6 requests\) of a edit trace/);
    expect(cli(['trace', 'check', out]).stdout).toBe(`${out}: ok, 6 edit rows\n`);
    const moe = cli(['trace', 'import', 'routing-lines', 'test/fixtures/import/routing-lines.txt', '--out', join(tmp, 'm.csv')]);
    expect(moe.code).toBe(2);
    expect(moe.stderr).toMatch(/routing-lines needs --layers/);
  });

  it('report re-renders and --png writes SVG + PNG per chart', () => {
    const out = join(tmp, 'json');
    if (!existsSync(join(out, 'results.json'))) cli(['run', SCENARIO, '--out', out, '-j', '1', '-q', '--set', 'workload.generator.requests=40']);
    rmSync(join(out, 'report.html'));
    const png = join(tmp, 'png');
    const r = cli(['report', join(out, 'results.json'), '--png', png, '--json']);
    expect(r.code).toBe(0);
    const files: string[] = JSON.parse(r.stdout).files;
    expect(files[0]).toBe(join(out, 'report.html'));
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(5);
    for (const f of files.filter((x) => x.endsWith('.png'))) expect(readFileSync(f).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(png, 'latency-cdf.svg'), 'utf8')).toMatch(/<svg[^>]*>[\s\S]*<text/);
  });

  it('presets lists hardware and model presets with sources', () => {
    const j = JSON.parse(cli(['presets', '--json']).stdout);
    expect(j.gpus.find((g: any) => g.name === 'h100-sxm').source).toMatch(/datasheet/);
    expect(j.systems.edit.models.length).toBeGreaterThan(0);
    expect(cli(['presets']).stdout).toMatch(/GPUs \(hardware\.gpu\)\n\s+a10 .*\n\s+source: /);
  });

  it('SERVESIM_REGISTRY that cannot be loaded is a one-line configuration error', () => {
    const r = spawnSync(process.execPath, [MAIN, 'presets'], { encoding: 'utf8', env: { ...process.env, SERVESIM_REGISTRY: join(tmp, 'nope.js') } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^servesim: error: SERVESIM_REGISTRY=.*nope\.js: cannot import it/);
    const empty = file('empty.mjs', 'export const X = 1;\n');
    const e = spawnSync(process.execPath, [MAIN, 'presets'], { encoding: 'utf8', env: { ...process.env, SERVESIM_REGISTRY: empty } });
    expect(e.stderr).toBe(`servesim: error: SERVESIM_REGISTRY=${empty} exports no REGISTRY\n`);
  });

  it('loads commands exported by dist/validate/commands.js when it exists', () => {
    const dir = resolve('dist/validate');
    const plugin = join(dir, 'commands.js');
    if (existsSync(plugin)) return; // the real validator is built: its own tests cover its commands
    mkdirSync(dir, { recursive: true });
    writeFileSync(plugin, "export const commands = [{ command: 'hello', describe: 'test plugin', builder: (y) => y.example('$0 hello', 'greet'), handler: () => console.log('hello from plugin') }];\n");
    try {
      const r = cli(['hello']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('hello from plugin\n');
      expect(cli(['--help']).stdout).toMatch(/servesim hello\s+test plugin/);
    } finally {
      rmSync(plugin);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
