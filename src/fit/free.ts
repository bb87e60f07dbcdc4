/**
 * Command-line forms of `servesim fit`: `--free PATH[=LO:HI]` and `--fit-rows` selectors.
 */
import { InputError } from '../errors.js';
import { getPath, parsePath } from '../scenario/paths.js';
import type { FreeParam } from './fit.js';
import type { MeasuredTable } from './measured.js';

/**
 * `hardware.pcie_efficiency=0.05:1` -> bounds [0.05, 1]. Without bounds the scenario must set a
 * positive number at the path, and the bounds are a decade either side of it.
 */
export function parseFree(spec: string, scenario: unknown): FreeParam {
  const eq = spec.indexOf('=');
  const path = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  try {
    parsePath(path, '--free path');
  } catch (e) {
    throw new InputError(`--free ${spec}: ${(e as InputError).detail}`);
  }
  const current = getPath(scenario, path.startsWith('policy.') ? ['policies', 0, 'policy', ...parsePath(path.slice(7))] : parsePath(path));
  const init = typeof current === 'number' && current > 0 ? current : undefined;
  if (eq < 0) {
    if (init === undefined) throw new InputError(`--free ${spec}: the scenario sets no positive number there; give bounds as ${path}=LO:HI`);
    return { path, lo: init / 10, hi: init * 10, init };
  }
  const m = /^\s*([^:]+):([^:]+)\s*$/.exec(spec.slice(eq + 1));
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!(lo > 0) || !(hi > lo) || !Number.isFinite(hi)) throw new InputError(`--free ${spec}: expected ${path}=LO:HI with 0 < LO < HI (the fit works on log values)`);
  return { path, lo, hi, ...(init !== undefined && init >= lo && init <= hi ? { init } : {}) };
}

/**
 * `--fit-rows 1`, `1,3`, `2-4` (1-based data rows: 1 is the first run under the header) or row
 * labels, comma-separated. Returns 0-based indices in table order.
 */
export function selectRows(table: MeasuredTable, spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (range) {
      const a = Number(range[1]);
      const b = range[2] !== undefined ? Number(range[2]) : a;
      if (a < 1 || b > table.rows.length || b < a) throw new InputError(`--fit-rows ${spec}: '${part}' is outside rows 1-${table.rows.length} of ${table.file}`);
      for (let i = a; i <= b; i++) out.add(i - 1);
      continue;
    }
    const i = table.rows.findIndex((r) => r.label === part);
    if (i < 0) throw new InputError(`--fit-rows ${spec}: no row labelled '${part}' in ${table.file}`);
    out.add(i);
  }
  if (out.size === 0) throw new InputError(`--fit-rows ${spec}: selects no rows`);
  return [...out].sort((a, b) => a - b);
}
