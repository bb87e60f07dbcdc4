/**
 * Versions recorded in results.json: servesim's own (from package.json) and the chart libraries.
 * Files are found by walking up from this module, which works from src/ (tests) and dist/src/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The nearest ancestor directory of this module holding `relative`, or undefined. */
export function findUp(relative: string, from = here): string | undefined {
  let dir = from;
  for (;;) {
    const p = join(dir, relative);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function packageVersion(relative: string): string {
  const p = findUp(relative);
  if (!p) return 'unknown';
  return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? 'unknown';
}

let cached: string | undefined;
export function servesimVersion(): string {
  if (cached === undefined) {
    // The first package.json above src/ (or dist/src/) named servesim.
    let dir = here;
    cached = 'unknown';
    for (;;) {
      const p = findUp('package.json', dir);
      if (!p) break;
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'servesim') {
        cached = pkg.version ?? 'unknown';
        break;
      }
      dir = dirname(dirname(p));
    }
  }
  return cached;
}

export function libraryVersions(): Record<string, string> {
  return {
    vega: packageVersion('node_modules/vega/package.json'),
    'vega-lite': packageVersion('node_modules/vega-lite/package.json'),
  };
}
