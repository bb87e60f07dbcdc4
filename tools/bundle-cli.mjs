// `npm run build`'s second step: bundles the CLI entry (src/cli/main.ts and everything it imports,
// its lazily loaded commands and its pure-JS dependencies) into one script, dist/src/cli/cli.cjs,
// replaces tsc's dist/src/cli/main.js with the loader that runs it (tools/cli-loader.mjs), and
// makes the loader's code cache with a warm-up run. Node 20 has no compile cache for ES modules,
// so loading and linking the ~340 modules of an unbundled run was most of a short run's start-up
// (docs/performance.md, "Seventh pass"), and compiling the one bundle most of what was left
// ("Eighth pass"). Everything else in dist/ stays as tsc wrote it: the library
// (dist/src/index.js), the worker thread (dist/src/scenario/worker.js, spawned by path) and the
// validator (dist/validate/commands.js, imported at run time by path). A plain `tsc` build
// rewrites main.js unbundled, which runs the same (only slower to start), so main.js is never stale.
// First it bundles the @stdlib packages servesim uses into dist/src/engine/stdlib.cjs, which the
// library, its worker threads and the CLI load on first use (src/engine/stdlib.ts says why).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * Two modules stay modules of their own, imported from dist/src/ by the loader, which hands them
 * to the bundle's require(): errors.ts, because the validator's commands and a SERVESIM_REGISTRY
 * module throw its classes from there and the CLI's `instanceof` checks (one line and exit 2 for
 * bad input) must see the same classes; and load-module.ts, the bundle's only import() (a script
 * run from a code cache cannot import()).
 */
const shared = new Map([resolve('src/errors.js'), resolve('src/load-module.js')].map((p) => [p, `../${basename(p)}`]));
const sharedModules = {
  name: 'shared-modules',
  setup(b) {
    b.onResolve({ filter: /(errors|load-module)\.js$/ }, (args) => {
      const path = shared.get(resolve(args.resolveDir, args.path));
      return path ? { path, external: true } : undefined;
    });
  },
};

/**
 * zod re-exports every message locale (`z.locales`, ~40 of them, a fifth of the bundle's bytes)
 * while servesim formats its own messages and zod uses only English (its classic entry configures
 * `en` itself, from locales/en.js). The bundle gets a locales index holding English alone: less
 * to read and hash at every start. Should zod move the file, nothing matches and all are bundled.
 */
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({ contents: "export { default as en } from 'zod/v4/locales/en.js';", resolveDir: process.cwd() }));
  },
};

// One script holding the @stdlib packages, by the names src/engine/stdlib.ts reads them by.
const { STDLIB_PACKAGES } = await import(new URL('../dist/src/engine/stdlib.js', import.meta.url).href);
await build({
  stdin: {
    // Getters: esbuild wraps each package so that it initialises on its first require, so a run
    // pays only for the samplers it draws from.
    contents: `module.exports = {${Object.entries(STDLIB_PACKAGES).map(([k, pkg]) => `get ${k}() { return require(${JSON.stringify(pkg)}); }`).join(', ')}};`,
    resolveDir: process.cwd(),
    loader: 'js',
  },
  outfile: 'dist/src/engine/stdlib.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Third-party code only: fully minified, half the bytes to read and parse at first use.
  minify: true,
  logLevel: 'warning',
});

const out = 'dist/src/cli/cli.cjs';
rmSync(`${out}.cache`, { force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  // A script, not an ES module: only a vm.Script takes V8's code cache in Node 20.
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // Native or optional modules, and the large chart libraries only a report or PNG loads.
  external: ['webgpu', '@resvg/resvg-js', 'vega', 'vega-lite', 'playwright-core'],
  // The modules find dist/ paths from their own URL: the bundle's, in the folder of main.js.
  define: { 'import.meta': '__servesimImportMeta' },
  banner: {
    js: "const __servesimImportMeta = { url: require('node:url').pathToFileURL(__filename).href, resolve: (s) => require('node:url').pathToFileURL(require.resolve(s)).href };",
  },
  plugins: [sharedModules, englishOnly],
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// The loader wraps the bundle in a function, where main.ts's `#!` line would not parse.
writeFileSync(out, readFileSync(out, 'utf8').replace(/^#!.*\n/, ''));
copyFileSync('tools/cli-loader.mjs', 'dist/src/cli/main.js');
// package.json's bin: `npx servesim` in a clone runs this file itself, so it must be executable
// (npm sets the bit only when it installs the package, not for the package's own checkout).
chmodSync('dist/src/cli/main.js', 0o755);
rmSync('dist/src/cli/main.js.map', { force: true }); // tsc's map of main.ts, which the loader replaced

// The warm-up: a short MoE replay and its report, so the cache holds what a run compiles.
const tmp = mkdtempSync(join(tmpdir(), 'servesim-warmup-'));
try {
  const scenario = join(tmp, 'warmup.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 'warmup',
      system: 'moe',
      seed: 1,
      hardware: { gpu: 'h100-pcie', host: 'xeon-8380-2s' },
      model: { preset: 'mixtral-8x7b-fp16' },
      workload: { trace: resolve('traces/moe-sample.csv') },
      policies: [{ label: 'warmup', policy: { cache_experts: 128 } }],
    }),
  );
  execFileSync(process.execPath, ['dist/src/cli/main.js', 'run', scenario, '--out', join(tmp, 'out'), '-q'], {
    env: { ...process.env, SERVESIM_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} catch (e) {
  // The CLI runs without a cache, only slower to start: say so, but keep the build.
  rmSync(`${out}.cache`, { force: true });
  console.warn(`bundle-cli: no code cache made (the warm-up run failed: ${e.message.split('\n')[0]})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
