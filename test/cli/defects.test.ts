/**
 * Issue 18's smaller CLI defects, each as a user hits it: the built CLI (dist/src/cli/main.js, with
 * the real registry) in a child process. Build first: `npx tsc -p tsconfig.build.json`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSync, ensureBuilt, MAIN } from '../robust/cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-defects-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cli = cliSync;

beforeAll(() => {
  ensureBuilt();
});

describe('missing and unreadable trace inputs: one line naming the file, exit 2', () => {
  const missing = join(tmp, 'no-such-file.json');
  const cases: Array<[string, string[]]> = [
    ['import katz', ['trace', 'import', 'katz', missing]],
    ['import azure-llm', ['trace', 'import', 'azure-llm', missing]],
    ['import gentd26-lora', ['trace', 'import', 'gentd26-lora', missing]],
    // With --experts the converter opens its output before it reads the log (the empty-file bug).
    ['import routing-lines --experts', ['trace', 'import', 'routing-lines', missing, '--layers', '2', '--experts', '4']],
    ['import routing-lines', ['trace', 'import', 'routing-lines', missing, '--layers', '2']],
  ];
  for (const [name, args] of cases) {
    it(`trace ${name} of a missing file`, () => {
      const out = join(tmp, `${name.replace(/\W+/g, '-')}.csv`);
      const r = cli([...args, '--out', out]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^servesim: error: (.+): cannot read (trace )?\(ENOENT\)$/);
      expect(lines[0]).toContain(`error: ${missing}: `);
      expect(r.stderr).not.toMatch(/internal error|bug|at /);
      expect(existsSync(out), 'no output file').toBe(false);
      expect(existsSync(`${out}.partial`), 'no partial file').toBe(false);
    });
  }

  it('a directory given as the input: one line, exit 2, for every format and for inspect', () => {
    const dir = join(tmp, 'a-dir');
    mkdirSync(dir, { recursive: true });
    const out = join(tmp, 'from-dir.csv');
    for (const args of [['import', 'katz', dir], ['import', 'azure-llm', dir], ['import', 'gentd26-lora', dir], ['import', 'routing-lines', dir, '--layers', '2', '--experts', '3'], ['inspect', dir]]) {
      const r = cli(['trace', ...args, '--out', out].slice(0, args[0] === 'inspect' ? 3 : undefined));
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0], args.join(' ')).toMatch(new RegExp(`^servesim: error: ${dir}: cannot read (trace )?\\(EISDIR\\)$`));
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    }
  });

  it('trace inspect / check of a missing file, with and without --kind', () => {
    for (const args of [['inspect', missing], ['inspect', missing, '--kind', 'edit'], ['check', missing], ['check', missing, '--kind', 'moe']]) {
      const r = cli(['trace', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toEqual([`servesim: error: ${missing}: cannot read trace (ENOENT)`]);
    }
  });

  it('trace gen: a missing --params file, and an output folder that does not exist', () => {
    const r = cli(['trace', 'gen', 'edit', '--params', missing, '--out', join(tmp, 'g.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${missing}: cannot read parameters (ENOENT`);
    const out = join(tmp, 'no-dir', 'g.csv');
    const w = cli(['trace', 'gen', 'edit', '--out', out]);
    expect(w.code).toBe(2);
    expect(w.stderr.trimEnd().split('\n')).toEqual([`servesim: error: ${out}: cannot write the output (ENOENT)`]);
  });
});

describe('trace writers: OUT.partial, renamed only on success', () => {
  it('a routing log that fails half way leaves neither OUT nor OUT.partial, and an existing OUT untouched', () => {
    const log = join(tmp, 'bad.log');
    // Two good tokens of 2 layers, then a bad id on line 5: the writer has rows when it fails.
    writeFileSync(log, '0,1\n2,3\n1,2\n0,3\nx\n');
    const out = join(tmp, 'bad-routing.csv');
    const r = cli(['trace', 'import', 'routing-lines', log, '--layers', '2', '--experts', '4', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${log}:5: expected comma-separated expert ids`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    writeFileSync(out, 'keep me\n');
    expect(cli(['trace', 'import', 'routing-lines', log, '--layers', '2', '--experts', '4', '--out', out]).code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    expect(readdirSync(tmp).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('a successful import writes OUT (no partial left); --limit stops inside the log without an error', () => {
    const log = join(tmp, 'good.log');
    // Request 0: prefill (all 4 experts) + one decode token; request 1 starts at the next prefill.
    writeFileSync(log, '0,1,2,3\n0,1,2,3\n1,2\n0,3\n0,1,2,3\n0,1,2,3\n2,3\n');
    const out = join(tmp, 'good.csv');
    const r = cli(['trace', 'import', 'routing-lines', log, '--layers', '2', '--limit', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('request,token,layer,experts\n0,0,0,0|1|2|3\n0,0,1,0|1|2|3\n0,1,0,1|2\n0,1,1,0|3\n');
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('trace gen writes the same rows to a file as to stdout', () => {
    const out = join(tmp, 'gen.csv');
    const args = ['trace', 'gen', 'edit', '--param', 'requests=5', '--seed', '3'];
    expect(cli([...args, '--out', out]).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')).toHaveLength(7); // header + 5 rows + final newline
    expect(cli([...args, '--out', '-']).stdout).toBe(text);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});

describe('trace gen --help and --param names', () => {
  it('--help lists every kind’s parameters with default and meaning', () => {
    const r = cli(['trace', 'gen', '--help']);
    expect(r.code).toBe(0);
    for (const kind of ['moe', 'edit', 't2i']) expect(r.stdout).toContain(`${kind} parameters (--param name=value; default; meaning):`);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${name} `))?.trim().split(/\s{2,}/);
    expect(line('mask_mean')).toEqual(['mask_mean', '0.15', 'mean mask ratio (0..1)']);
    expect(line('repeat_rate')).toEqual(['repeat_rate', '0.33', "share of a token's experts the previous token used"]);
    expect(line('loras.count')).toEqual(['loras.count', '7000', 'distinct adapters in the catalogue']);
    expect(line('controlnets.zipf')).toEqual(['controlnets.zipf', '3.45', 'Zipf exponent of popularity (0 = uniform)']);
    expect(line('predictor_accuracy')?.[1]).toBe('-');
  });

  it('an unknown --param exits 2 with a did-you-mean and the valid names', () => {
    const r = cli(['trace', 'gen', 'edit', '--param', 'mask_men=0.2', '--out', join(tmp, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "servesim: error: --param mask_men: unknown field 'mask_men' (did you mean 'mask_mean'?); edit parameters: requests, rps, process, cv, templates, template_skew, mask_mean, mask_concentration, mask_scale, model, steps, width, height",
    ]);
    const far = cli(['trace', 'gen', 'moe', '--param', 'banana=1', '--out', '-']);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
    expect(far.stderr).toContain('moe parameters: layers, experts, top_k, tokens,');
    expect(far.stdout).toBe('');
    expect(existsSync(join(tmp, 'x.csv'))).toBe(false);
  });
});

describe('every command’s --help has an Examples: section naming it', () => {
  const commandsOf = (args: string[]): string[] => {
    const text = cli([...args, '--help']).stdout;
    const block = text.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
    return block
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((w) => w[0] === 'servesim')
      .map((w) => w.slice(1 + args.length).filter((x) => !x.startsWith('<') && !x.startsWith('['))[0]!)
      .filter(Boolean);
  };
  it('top level, each command, each trace subcommand (calibrate and validate included once built)', () => {
    const top = commandsOf([]);
    expect(top).toEqual(expect.arrayContaining(['run', 'capacity', 'trace', 'report', 'merge', 'presets', 'fit', 'reproduce']));
    if (existsSync(resolve('dist/validate/commands.js'))) expect(top).toEqual(expect.arrayContaining(['calibrate', 'validate']));
    const subs = commandsOf(['trace']).map((c) => ['trace', c]);
    expect(subs.map((s) => s[1])).toEqual(['gen', 'inspect', 'check', 'import']);
    for (const cmd of [[], ...top.map((c) => [c]), ...subs]) {
      const r = cli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      const examples = r.stdout.split('\nExamples:\n')[1];
      expect(examples, `${cmd.join(' ')} --help has no Examples:`).toBeDefined();
      expect(examples, cmd.join(' ')).toMatch(new RegExp(`^\\s+servesim ${cmd.join(' ')}`, 'm'));
    }
  });
});

describe('stdout closed early (`servesim presets | head -1`)', () => {
  /** Spawn with stdout a pipe whose reading end is closed at once: every write gets EPIPE. */
  const closedPipe = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      const c = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout.destroy();
      let stderr = '';
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (code) => done({ code, stderr }));
    });
  it('presets: exit 0, nothing on stderr', async () => {
    expect(await closedPipe(['presets'])).toEqual({ code: 0, stderr: '' });
  });
  it('trace gen --out - (synchronous writes): exit 0, nothing on stderr', async () => {
    expect(await closedPipe(['trace', 'gen', 'moe', '--param', 'tokens=20000', '--out', '-'])).toEqual({ code: 0, stderr: '' });
  });
});

describe("README's library snippet", () => {
  it('runs with node from the repository root: the package imports itself by name', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes("from 'servesim'"));
    expect(block, "README has a ```ts block importing from 'servesim'").toBeDefined();
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './dist/src/index.d.ts', default: './dist/src/index.js' });
    // Inside the repository, so node resolves 'servesim' by self-reference (package.json exports).
    const file = resolve(`.readme-snippet-${process.pid}.mjs`);
    writeFileSync(file, `${block}\nconsole.log(JSON.stringify({ out: typeof out, runs: results.runs.length > 0, complete: results.complete, runRows: typeof runRows }));\n`);
    try {
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ out: 'object', runs: true, complete: true, runRows: 'function' });
    } finally {
      rmSync(file, { force: true });
    }
  }, 60_000);
});
