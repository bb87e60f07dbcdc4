#!/usr/bin/env node
// dist/src/cli/main.js as `npm run build` writes it (tools/bundle-cli.mjs copies this file): runs
// the bundled CLI (cli.cjs beside it) with V8's code cache. Node 20 caches no compiled code for
// ES modules, so every start parsed and compiled the 2 MB bundle and every function it ran; a
// vm.Script given the cache the build made (cli.cjs.cache) skips most of that (docs/performance.md,
// "Eighth pass"). V8 refuses a cache made by another V8 version or with other flags (then it
// compiles as before); it checks the source only by its length, so the cache names the bundle's
// SHA-1 and is not offered for a bundle with another.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
// The modules the bundle shares with the rest of dist/ (tools/bundle-cli.mjs says why).
import * as errors from '../errors.js';
import * as loadModule from '../load-module.js';

const here = dirname(fileURLToPath(import.meta.url));
run();

function run() {
  const file = join(here, 'cli.cjs');
  const cacheFile = `${file}.cache`;
  const source = readFileSync(file, 'utf8');
  const hash = createHash('sha1').update(source).digest('hex');
  let cachedData;
  try {
    const c = readFileSync(cacheFile);
    // 40 hex digits of the bundle's SHA-1, then V8's data.
    if (c.subarray(0, 40).toString('latin1') === hash) cachedData = c.subarray(40);
  } catch {
    // no cache: compile as usual
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {"use strict";${source}\n})`, { filename: file, cachedData });
  const req = createRequire(file);
  const module = { exports: {} };
  const bundleRequire = (id) => (id === '../errors.js' ? errors : id === '../load-module.js' ? loadModule : req(id));
  script.runInThisContext()(module.exports, bundleRequire, module, file, here);
  // The build's warm-up run (SERVESIM_WRITE_CODE_CACHE=1) saves what it compiled, for later starts.
  if (process.env.SERVESIM_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(hash, 'latin1'), script.createCachedData()])));
  }
}
