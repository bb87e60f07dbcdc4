/**
 * The built library loads with require() as well as import: tslab (the notebooks' kernel) and
 * CommonJS users require() it, and Node refuses to require() an ES module graph that contains a
 * top-level await (ERR_REQUIRE_ASYNC_MODULE) — which a lazy-loading registry once introduced.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from './cli-helpers.js';

describe('dist/src/index.js', () => {
  it('is require()-able and exposes the registry with all three systems', () => {
    ensureBuilt();
    const index = join(process.cwd(), 'dist', 'src', 'index.js');
    const r = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(index)}); console.log(Object.keys(m.REGISTRY.systems).sort().join(','))`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('edit,moe,t2i');
  });
});
