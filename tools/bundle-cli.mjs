// `npm run build`'s second step: bundles the CLI entry (src/cli/main.ts and everything it imports,
// its lazily loaded commands and its pure-JS dependencies) into one ES module that replaces tsc's
// dist/src/cli/main.js. Node 20 has no compile cache for ES modules, so loading and linking the
// ~340 modules of an unbundled run was most of a short run's start-up (docs/performance.md,
// "Seventh pass"). Everything else in dist/ stays as tsc wrote it: the library (dist/src/index.js),
// the worker thread (dist/src/scenario/worker.js, spawned by path) and the validator
// (dist/validate/commands.js, imported at run time by path). A plain `tsc` build rewrites main.js
// unbundled, which runs the same (only slower to start), so main.js is never stale.
import { resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * errors.ts stays a module of its own, imported from dist/src/errors.js: the validator's commands
 * and a SERVESIM_REGISTRY module throw its classes from there, and the CLI's `instanceof` checks
 * (one line and exit 2 for bad input) must see the same classes.
 */
const errorsModule = resolve('src/errors.js');
const sharedErrors = {
  name: 'shared-errors',
  setup(b) {
    b.onResolve({ filter: /errors\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === errorsModule ? { path: '../errors.js', external: true } : undefined,
    );
  },
};

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/src/cli/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Native or optional modules, and the large chart libraries only a report or PNG loads.
  external: ['webgpu', '@resvg/resvg-js', 'vega', 'vega-lite', 'playwright-core'],
  // Bundled CommonJS dependencies call require() for Node's built-ins.
  banner: { js: "import { createRequire as __servesimRequire } from 'node:module';\nconst require = __servesimRequire(import.meta.url);" },
  plugins: [sharedErrors],
  logLevel: 'warning',
});
