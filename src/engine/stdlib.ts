/**
 * The @stdlib packages servesim uses, each loaded on first use. A package is some 400 small
 * modules: the beta sampler alone took 112 ms to require on a 2-core VM, a fifth of a short edit
 * run, and every worker thread paid it again.
 *
 * `npm run build` bundles the five into one file beside this module's output
 * (dist/src/engine/stdlib.cjs, tools/bundle-cli.mjs), each package initialised at its first
 * use: 27 ms to the first beta draw, 39 ms for all five, on the same VM. The CLI bundle
 * (dist/src/cli/cli.cjs, a sibling folder) finds the same file by the same relative path.
 * Without it (a plain tsc build, tests run from source) each package is required itself.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface SamplerPackage {
  factory(p1: number, p2: number, opts: { prng: () => number }): () => number;
}

/** What the build's stdlib.cjs exports, by these names. */
export const STDLIB_PACKAGES = {
  gamma: '@stdlib/random-base-gamma',
  beta: '@stdlib/random-base-beta',
  lognormal: '@stdlib/random-base-lognormal',
  normal: '@stdlib/random-base-normal',
  tQuantile: '@stdlib/stats-base-dists-t-quantile',
} as const;
interface Exports {
  gamma: SamplerPackage;
  beta: SamplerPackage;
  lognormal: SamplerPackage;
  normal: SamplerPackage;
  tQuantile: (p: number, dof: number) => number;
}

const nodeRequire = createRequire(import.meta.url);
let bundled: Exports | null | undefined;

/** The package `name`, from the build's bundle when there is one. */
export function stdlib<N extends keyof Exports>(name: N): Exports[N] {
  if (bundled === undefined) {
    const file = fileURLToPath(new URL('../engine/stdlib.cjs', import.meta.url));
    bundled = existsSync(file) ? (nodeRequire(file) as Exports) : null;
  }
  return bundled ? bundled[name] : (nodeRequire(STDLIB_PACKAGES[name]) as Exports[N]);
}
