/**
 * Bad input as a demanding user hits it, through the built CLI (dist/src/cli/main.js, real
 * registry) in a child process: each case is one line naming the file, line or flag, exit 2, and
 * nothing written over an input. Build first: `npx tsc -p tsconfig.build.json`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_FIT_SCENARIO } from '../fit/fixtures.js';
import { cliSync, ensureBuilt } from '../robust/cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-bad-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

/** Ten edit requests on one H800: a run takes a fraction of a second. */
const EDIT = `name: tiny
system: edit
seed: 1
replications: 1
hardware: { gpu: h800, gpus: 1, host: epyc-9654-2s }
model: { preset: sdxl }
workload:
  generator: { requests: 10, rps: 0.4, templates: 2 }
policies:
  - label: full
    policy: { compute: full, loading: sequential, batching: static, balance: round-robin }
`;

/** The one stderr line of a refused command (exit 2, no internal error, no stack). */
function refused(args: string[]): string {
  const r = cliSync(args);
  expect(r.stderr, args.join(' ')).not.toMatch(/internal error|\n\s+at /);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, args.join(' ')).toHaveLength(1);
  return lines[0]!;
}

let scenario: string;
let results: string;
let aFile: string;
let aFolder: string;
beforeAll(() => {
  ensureBuilt();
  scenario = file('tiny.yaml', EDIT);
  const r = cliSync(['run', scenario, '--out', join(tmp, 'run'), '--no-html', '--no-requests', '-q']);
  expect(r.code, r.stderr).toBe(0);
  results = join(tmp, 'run', 'results.json');
  aFile = file('a-file', 'x');
  aFolder = join(tmp, 'a-folder');
  mkdirSync(aFolder);
}, 120_000);

describe('output paths that cannot be written are refused before any work, one line, exit 2', () => {
  it('report --out a folder, --out the results it reads, --png a file or under a file', () => {
    expect(refused(['report', results, '--out', aFolder])).toBe(`servesim: error: --out ${aFolder} is a folder, not a file; name a file`);
    expect(refused(['report', results, '--out', results])).toMatch(/--out .*results\.json is an input of this command; writing it would replace it/);
    expect(refused(['report', results, '--png', aFile])).toMatch(/--png .*a-file is a file, not a folder; name a folder/);
    expect(refused(['report', results, '--png', join(aFile, 'charts')])).toMatch(/--png .*a-file[/\\]charts is a file, not a folder \(.*a-file is\)/);
    expect(readFileSync(results, 'utf8')).toMatch(/^\{/); // the input is intact
  });

  it('run --timeline a folder, under a file, or the scenario itself; --png a file', () => {
    const base = ['run', scenario, '--out', join(tmp, 'run2'), '--force', '--no-html', '--no-requests', '-q'];
    expect(refused([...base, '--timeline', aFolder])).toMatch(/--timeline .*a-folder is a folder, not a file/);
    expect(refused([...base, '--timeline', join(aFile, 't.json')])).toMatch(/--timeline .*a-file[/\\]t\.json: .*a-file is a file, not a folder/);
    expect(refused([...base, '--timeline', scenario])).toMatch(/--timeline .*tiny\.yaml is an input of this command/);
    expect(refused([...base, '--png', aFile])).toMatch(/--png .*a-file is a file, not a folder/);
    expect(readFileSync(scenario, 'utf8')).toBe(EDIT);
  });

  it('merge --out a file or under a file; --png a file', () => {
    expect(refused(['merge', results, '--out', aFile])).toMatch(/--out .*a-file is a file, not a folder; name a folder \(e\.g\. --out out\/s\)/);
    expect(refused(['merge', results, '--out', join(aFile, 'm')])).toMatch(/--out .*a-file[/\\]m is a file, not a folder/);
    expect(refused(['merge', results, '--out', join(tmp, 'merged'), '--png', aFile])).toMatch(/--png .*a-file is a file, not a folder/);
  });

  it('fit --out the scenario, the measured CSV or a folder: refused before the fit, the inputs untouched', () => {
    const s = file('fit.yaml', TINY_FIT_SCENARIO);
    const csv = 'policy.cache_experts,tokens_per_s\n8,10\n';
    const m = file('runs.csv', csv);
    const base = ['fit', s, '--measured', m, '--free', 'hardware.pcie_efficiency=0.05:1', '--no-loo', '-q'];
    expect(refused([...base, '--out', s])).toMatch(/--out .*fit\.yaml is an input of this command/);
    expect(refused([...base, '--out', m])).toMatch(/--out .*runs\.csv is an input of this command/);
    expect(refused([...base, '--out', aFolder])).toMatch(/--out .*a-folder is a folder, not a file/);
    expect(refused([...base, '--out', join(aFile, 'o.yaml')])).toMatch(/--out .*a-file[/\\]o\.yaml: .*a-file is a file, not a folder/);
    expect(readFileSync(s, 'utf8')).toBe(TINY_FIT_SCENARIO);
    expect(readFileSync(m, 'utf8')).toBe(csv);
  }, 60_000);
});

describe('a one-value flag given twice is refused, not a list nor a guess', () => {
  it('run --out a --out b (was an internal error), --seed, --timeline, -j with --jobs; trace gen --out; fit --measured', () => {
    const run = ['run', scenario, '--force', '--no-html', '--no-requests', '-q'];
    expect(refused([...run, '--out', join(tmp, 'o1'), '--out', join(tmp, 'o2')])).toBe(`servesim: error: --out is given 2 times (${join(tmp, 'o1')}, ${join(tmp, 'o2')}); give it once (see --help for usage)`);
    expect(refused([...run, '--out', join(tmp, 'o1'), '--seed', '1', '--seed', '2'])).toMatch(/--seed is given 2 times \(1, 2\); give it once/);
    expect(refused([...run, '--out', join(tmp, 'o1'), '--timeline', 'a.json', '--timeline', 'b.json'])).toMatch(/--timeline is given 2 times/);
    expect(refused([...run, '--out', join(tmp, 'o1'), '-j', '1', '--jobs', '2'])).toMatch(/--jobs is given 2 times \(1, 2\)/);
    expect(refused(['trace', 'gen', 'edit', '--out', '-', '--out', join(tmp, 'x.csv')])).toMatch(/--out is given 2 times/);
    expect(refused(['fit', scenario, '--measured', 'a.csv', '--measured', 'b.csv'])).toMatch(/--measured is given 2 times/);
  });

  it('repeatable flags stay repeatable: --set, --param', () => {
    expect(cliSync(['run', scenario, '--out', join(tmp, 'o3'), '--no-html', '--no-requests', '-q', '--set', 'seed=2', '--set', 'replications=1']).code).toBe(0);
    const r = cliSync(['trace', 'gen', 'edit', '--out', '-', '--param', 'requests=2', '--param', 'rps=3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });
});
