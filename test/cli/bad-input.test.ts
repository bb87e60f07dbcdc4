/**
 * Bad input as a demanding user hits it, through the built CLI (dist/src/cli/main.js, real
 * registry) in a child process: each case is one line naming the file, line or flag, exit 2, and
 * nothing written over an input. Build first: `npx tsc -p tsconfig.build.json`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('found by the second bad-input audit: one line, the file, line and field, exit 2', () => {
  it('reproduce: a bad table.yaml names the line of the field (was the file and field only)', () => {
    const root = join(tmp, 'suite');
    cpSync(join(process.cwd(), 'reproduce', 'fiddler-mixtral-offloading-a6000'), join(root, 't'), { recursive: true });
    const spec = join(root, 't', 'table.yaml');
    const original = readFileSync(spec, 'utf8');
    const table = (text: string) => {
      writeFileSync(spec, text);
      return refused(['reproduce', 't', '--dir', root, '-q']);
    };
    // A schema problem (zod) inside a list item.
    let text = original.replace('lo: 0.01, hi: 1.26', 'lo: 20, hi: 0.01');
    expect(table(text)).toBe(`servesim: error: ${spec}:${lineOf(text, 'lo: 20')} field 'calibrate.free.0': lo must be below hi`);
    // A problem found against published.csv, after the schema.
    text = original.replace(/row: \S+/, 'row: no-such-row');
    expect(table(text)).toMatch(new RegExp(`^servesim: error: .*table\\.yaml:${lineOf(text, 'row: no-such-row')} field 'calibrate\\.row': calibrate\\.row 'no-such-row' is not a row label`));
    text = original + 'rank_within: [workload.nope]\n';
    expect(table(text)).toMatch(new RegExp(`table\\.yaml:${lineOf(text, 'rank_within:')} field 'rank_within': rank_within: 'workload\\.nope' is not a column`));
  }, 60_000);

  it('run: a warm-up that leaves nothing to measure is refused for edit and t2i as for moe (was: accepted, empty metrics)', () => {
    const out = ['--out', join(tmp, 'warm'), '--force', '--no-html', '--no-requests', '-q'];
    // A generator fixes the workload's size: refused before any run, with the warm-up's line.
    const edit = EDIT + 'warmup: { requests: 10 }\n';
    const e1 = file('warm-edit.yaml', edit);
    expect(refused(['run', e1, ...out])).toBe(`servesim: error: ${e1}:${lineOf(edit, 'warmup:')} warmup.requests: warm-up of 10 requests leaves no request to measure: the workload has 10 (policy 'full')`);
    // By time: found when the run measured nothing; the file and the field.
    const editS = EDIT + 'warmup: { seconds: 1000 }\n';
    const e2 = file('warm-edit-s.yaml', editS);
    expect(refused(['run', e2, ...out])).toBe(`servesim: error: warm-edit-s.yaml:${lineOf(editS, 'warmup:')} field 'warmup.seconds': policy 'full': warm-up (1000 s) leaves no request to measure: the workload has 10`);
    // Given by --set, the field has no line in the file: none is named.
    expect(refused(['run', e2, ...out, '--set', 'warmup.seconds=2000'])).toBe(`servesim: error: warm-edit-s.yaml field 'warmup.seconds': policy 'full': warm-up (2000 s) leaves no request to measure: the workload has 10`);
    // Swept, the sweep entry's line.
    const editSw = EDIT + 'sweep:\n  warmup.seconds: [0, 1000]\n';
    const e4 = file('warm-edit-sweep.yaml', editSw);
    expect(refused(['run', e4, ...out])).toBe(`servesim: error: warm-edit-sweep.yaml:${lineOf(editSw, '  warmup.seconds:')} field 'warmup.seconds': policy 'full' at warmup.seconds=1000: warm-up (1000 s) leaves no request to measure: the workload has 10`);
    // A zero count beside the seconds discards nothing: the seconds are named, not the count.
    const edit0s = EDIT + 'warmup: { requests: 0, seconds: 1000 }\n';
    const e3 = file('warm-edit-0s.yaml', edit0s);
    expect(refused(['run', e3, ...out])).toBe(`servesim: error: warm-edit-0s.yaml:${lineOf(edit0s, 'warmup:')} field 'warmup.seconds': policy 'full': warm-up (1000 s) leaves no request to measure: the workload has 10`);
    const T2I = `name: t
system: t2i
seed: 1
replications: 1
hardware: { gpu: h800, gpus: 1 }
model: { preset: sdxl }
workload:
  generator: { requests: 10, rps: 0.3 }
policies:
  - label: async
    policy: { application: async }
`;
    const t1 = file('warm-t2i.yaml', T2I + 'warmup: { requests: 12 }\n');
    expect(refused(['run', t1, ...out])).toMatch(new RegExp(`warm-t2i\\.yaml:12 warmup\\.requests: warm-up of 12 requests leaves no request to measure: the workload has 10`));
    const t2i = T2I + 'warmup: { seconds: 1000 }\n';
    const t2 = file('warm-t2i-s.yaml', t2i);
    expect(refused(['run', t2, ...out])).toBe(`servesim: error: warm-t2i-s.yaml:${lineOf(t2i, 'warmup:')} field 'warmup.seconds': policy 'async': warm-up (1000 s) leaves no request to measure: the workload has 10`);
    // moe, through the same check: now with the line too.
    const moe = TINY_FIT_SCENARIO.replace('warmup: { tokens: 5 }', 'warmup: { tokens: 30 }');
    const m = file('warm-moe.yaml', moe);
    expect(refused(['run', m, ...out])).toMatch(new RegExp(`warm-moe\\.yaml:${lineOf(moe, 'warmup:')} warmup\\.tokens: warm-up of 30 decode tokens leaves no decode token to measure: the workload has 30`));
    // A warm-up that leaves one request still runs.
    expect(cliSync(['run', file('warm-ok.yaml', EDIT + 'warmup: { requests: 9 }\n'), ...out]).code).toBe(0);
  }, 120_000);

  it('merge: the same run given twice (one file twice, or a copy) is refused, naming both (was: accepted, wall time doubled)', () => {
    const out = ['--out', join(tmp, 'merged-twice'), '--no-html', '-q'];
    expect(refused(['merge', results, results, ...out])).toBe(`servesim: error: ${results} is given twice; give each shard's results.json once`);
    const copy = join(tmp, 'run-copy');
    mkdirSync(copy);
    cpSync(results, join(copy, 'results.json'));
    expect(refused(['merge', results, join(copy, 'results.json'), ...out])).toMatch(
      new RegExp(`^servesim: error: ${results.replace(/[.\\]/g, '\\$&')} and .*run-copy[/\\\\]results\\.json are the same run \\(scenario fingerprint [0-9a-f]+, not sharded, started \\d{4}-`),
    );
    // Two shards of one run are still merged.
    const shards = [0, 1].map((i) => {
      const dir = join(tmp, `shard-${i}`);
      expect(cliSync(['run', scenario, '--shard', `${i}/2`, '--out', dir, '--no-html', '-q']).code).toBe(0);
      return join(dir, 'results.json');
    });
    expect(cliSync(['merge', ...shards, ...out]).code).toBe(0);
  }, 60_000);

  it('a numeric flag given a non-number names the flag and the value (was: NaN)', () => {
    const run = ['run', scenario, '--out', join(tmp, 'o4'), '--no-html', '-q', '--timeline', join(tmp, 't.json')];
    expect(refused([...run, '--timeline-max-events', 'abc'])).toBe(`servesim: error: --timeline-max-events expects a positive integer, got 'abc' (see --help for usage)`);
    expect(refused([...run, '--timeline-point', 'abc'])).toBe(`servesim: error: --timeline-point expects a sweep point index >= 0, got 'abc' (see --help for usage)`);
    const cap = ['capacity', scenario, '--slo', 'latency_ms.p99<=8000', '--out', join(tmp, 'cap')];
    expect(refused([...cap, '--start', 'abc'])).toMatch(/--start expects a positive number, got 'abc'/);
    expect(refused([...cap, '-r', 'two'])).toMatch(/--replications expects a positive integer, got 'two'/);
    expect(refused([...cap, '--seed', 'x'])).toMatch(/--seed expects an integer from 0 to 2147483647, got 'x'/);
  });

  it('report: a file that is not a results.json is one line naming it, with line and column for bad JSON (was: two lines of JSON.parse)', () => {
    expect(refused(['report', scenario])).toBe(
      `servesim: error: ${scenario}: not a results.json: this is YAML, not JSON (a scenario? run it first, \`servesim run FILE\`, then report the results.json it writes)`,
    );
    const bad = file('bad.json', '{\n  "servesim": "0.1.0",\n  "runs": [1, 2,]\n}\n');
    expect(refused(['report', bad])).toBe(`servesim: error: ${bad}:3: not a results.json: not valid JSON (column 17: expected a value, found ']')`);
    const text = file('notes.txt', 'hello\n');
    expect(refused(['report', text])).toBe(`servesim: error: ${text}:1: not a results.json: not valid JSON (column 1: expected a JSON value, found 'h')`);
  });
});
