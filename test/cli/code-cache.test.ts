/**
 * The built CLI's loader (tools/cli-loader.mjs as dist/src/cli/main.js) and V8's code cache that
 * `npm run build` makes for the bundle: the cache names the bundle it was made from, and a cache
 * made from another bundle (V8 would check only the length) is not used. Skipped after a plain
 * tsc build, whose main.js is unbundled and has no cache.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cliDir = resolve('dist/src/cli');
const bundled = existsSync(join(cliDir, 'cli.cjs')) && existsSync(join(cliDir, 'cli.cjs.cache')) && readFileSync(join(cliDir, 'main.js'), 'utf8').includes("'cli.cjs'");
const tmp = mkdtempSync(join(tmpdir(), 'servesim-code-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the loader, the bundle and the two modules it shares, with `cache` as the cache file. */
function install(name: string, cache: Buffer | null): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
  for (const f of ['cli/main.js', 'cli/cli.cjs', 'errors.js', 'load-module.js']) copyFileSync(resolve('dist/src', f), join(root, 'dist/src', f));
  copyFileSync('package.json', join(root, 'package.json'));
  if (cache) writeFileSync(join(root, 'dist/src/cli/cli.cjs.cache'), cache);
  return join(root, 'dist/src/cli/main.js');
}

const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
function run(main: string, args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, SERVESIM_REGISTRY: '' } });
}

describe.skipIf(!bundled)('the CLI code cache', () => {
  it("is keyed by the SHA-1 of the bundle it was made from", () => {
    const cache = readFileSync(join(cliDir, 'cli.cjs.cache'));
    const sha = createHash('sha1').update(readFileSync(join(cliDir, 'cli.cjs'), 'utf8')).digest('hex');
    expect(cache.subarray(0, 40).toString('latin1')).toBe(sha);
    expect(cache.length).toBeGreaterThan(100_000); // V8's data follows: the bytecode of a warm-up run
  });

  it('runs with the cache, with none, and with one made from another bundle', () => {
    const real = readFileSync(join(cliDir, 'cli.cjs.cache'));
    // Another bundle's cache: same data, other hash (V8 alone would take it for a bundle of the same length).
    const stale = Buffer.concat([Buffer.from('0'.repeat(40), 'latin1'), real.subarray(40)]);
    for (const [name, cache] of [['cached', real], ['none', null], ['stale', stale]] as const) {
      const r = run(install(name, cache), ['--version']);
      expect(r.stderr, name).toBe('');
      expect(r.stdout.trim(), name).toBe(version);
      expect(r.status, name).toBe(0);
    }
  });

  it('is not used for another bundle of the same length', () => {
    // A bundle edited in place (same length): V8 checks a cache against the source's length only,
    // so without the hash it would run the old bundle's compiled top level and print its text.
    const main = install('edited', readFileSync(join(cliDir, 'cli.cjs.cache')));
    const bundle = join(main, '..', 'cli.cjs');
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('Discrete-event simulator');
    writeFileSync(bundle, text.replace('Discrete-event simulator', 'Discrete_event simulator'));
    const r = run(main, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Discrete_event simulator');
  });

  it('bad input still gives one line and exit 2 (the errors module is shared with the bundle)', () => {
    const r = run(install('errors', readFileSync(join(cliDir, 'cli.cjs.cache'))), ['run', join(tmp, 'missing.yaml')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^servesim: error: .*missing\.yaml: cannot read scenario \(ENOENT\)$/)]);
  });

  it("package.json's bin is executable, so `npx servesim` runs in a checkout (README)", () => {
    const bin = JSON.parse(readFileSync('package.json', 'utf8')).bin.servesim as string;
    expect(statSync(bin).mode & 0o111).toBe(0o111);
    const r = spawnSync('npx', ['--no', '--', 'servesim', '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(version);
  });
});
