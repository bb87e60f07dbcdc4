/**
 * The build's bundle of the @stdlib packages (dist/src/engine/stdlib.cjs, tools/bundle-cli.mjs):
 * it must draw exactly what each package draws, and the built library must load it rather than
 * the packages. `npm test` builds first; without a build these cases skip, saying so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STDLIB_PACKAGES, type SamplerPackage } from '../../src/engine/stdlib.js';
import { mt19937Uniform } from '../../src/engine/mt19937.js';

const file = resolve('dist/src/engine/stdlib.cjs');
const built = existsSync(file);
const req = createRequire(import.meta.url);

if (!built) console.warn('stdlib.test.ts: skipped, no dist/src/engine/stdlib.cjs (npm run build makes it; npm test builds first)');

describe.skipIf(!built)('the bundled @stdlib packages', () => {
  const bundle = built ? (req(file) as Record<keyof typeof STDLIB_PACKAGES, unknown>) : undefined;

  it('each sampler draws the same numbers as its package, from the same seeded stream', () => {
    const params: Record<string, [number, number]> = { gamma: [0.7, 1], beta: [1.1, 8.9], lognormal: [0.2, 0.9], normal: [3, 2] };
    for (const [name, [p1, p2]] of Object.entries(params)) {
      const ours = (bundle![name as 'beta'] as SamplerPackage).factory(p1, p2, { prng: mt19937Uniform(7) });
      const theirs = (req(STDLIB_PACKAGES[name as 'beta']) as SamplerPackage).factory(p1, p2, { prng: mt19937Uniform(7) });
      const a = Array.from({ length: 500 }, () => ours());
      expect(a, name).toEqual(Array.from({ length: 500 }, () => theirs()));
      expect(new Set(a).size, name).toBeGreaterThan(490); // real draws, not a constant
    }
  });

  it("the t quantile matches the package's (t(0.975, 2) = 4.3027)", () => {
    const ours = bundle!.tQuantile as (p: number, dof: number) => number;
    const theirs = req(STDLIB_PACKAGES.tQuantile) as (p: number, dof: number) => number;
    expect(ours(0.975, 2)).toBeCloseTo(4.302652729911275, 8);
    for (const dof of [1, 3, 9, 29]) expect(ours(0.975, dof)).toBe(theirs(0.975, dof));
  });

  it('the built library loads the bundle on first use, and none of the packages', () => {
    // A process of its own: this one has required the packages above.
    const script = `import { createRequire } from 'node:module';
      const { stdlib } = await import(${JSON.stringify(pathToFileURL(resolve('dist/src/engine/stdlib.js')).href)});
      stdlib('beta').factory(1, 2, { prng: Math.random })();
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const loaded = JSON.parse(r.stdout) as string[];
    expect(loaded).toContain(file);
    expect(loaded.filter((k) => k.includes(join('node_modules', '@stdlib')))).toEqual([]);
  });
});
