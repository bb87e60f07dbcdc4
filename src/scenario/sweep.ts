/**
 * Sweep expansion: each sweep entry is a dotted path with a list of values or a range; the points
 * are the cartesian product in file order (the first entry varies slowest). `policy.X` sets field
 * X in every policy entry; any other path sets that field of the scenario.
 */
import { InputError } from '../errors.js';
import { roundSig } from '../metrics/summary.js';
import { getPath, parsePath, setPath, type PathSegment } from './paths.js';
import type { SweepRange } from './schema.js';

/** Upper bound on points x policies x replications, so a typo in a range cannot hang the run. */
export const MAX_RUNS = 1_000_000;

export type SweepParams = Record<string, unknown>;

export interface SweepAxis {
  key: string;
  values: unknown[];
}

/** Values of a range, rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004. */
export function rangeValues(r: SweepRange): number[] {
  if ('step' in r) {
    const n = Math.floor((r.to - r.from) / r.step + 1e-9);
    if (n < 0) throw new InputError(`step ${r.step} never reaches ${r.to} from ${r.from}`);
    if (n + 1 > MAX_RUNS) throw new InputError(`range has ${n + 1} values (more than ${MAX_RUNS})`);
    return Array.from({ length: n + 1 }, (_, i) => roundSig(r.from + i * r.step, 12));
  }
  const { from, to, count } = r;
  if (count === 1) return [from];
  if (r.scale === 'log') {
    if (!(from > 0 && to > 0)) throw new InputError(`a log range needs from and to > 0, got ${from} and ${to}`);
    return Array.from({ length: count }, (_, i) => roundSig(from * Math.pow(to / from, i / (count - 1)), 12));
  }
  return Array.from({ length: count }, (_, i) => roundSig(from + ((to - from) * i) / (count - 1), 12));
}

export function sweepAxes(sweep: Record<string, unknown[] | SweepRange>): SweepAxis[] {
  return Object.entries(sweep).map(([key, v]) => ({ key, values: Array.isArray(v) ? v : rangeValues(v) }));
}

/** Cartesian product of the axes, first axis slowest. No axes -> one empty point. */
export function sweepPoints(axes: readonly SweepAxis[]): SweepParams[] {
  let points: SweepParams[] = [{}];
  for (const axis of axes) {
    const next: SweepParams[] = [];
    for (const p of points) for (const v of axis.values) next.push({ ...p, [axis.key]: v });
    points = next;
  }
  return points;
}

/** The paths in the scenario that a sweep key (or `--set` key) writes. */
export function targetPaths(key: string, raw: unknown): PathSegment[][] {
  const path = parsePath(key, 'sweep key');
  if (path[0] === 'policy') {
    const policies = getPath(raw, ['policies']);
    const n = Array.isArray(policies) ? policies.length : 0;
    return Array.from({ length: n }, (_, i) => ['policies', i, 'policy', ...path.slice(1)]);
  }
  return [path];
}

/** The scenario with one sweep point's values written in. */
export function applyParams(raw: unknown, params: SweepParams): unknown {
  let out = raw;
  for (const [key, value] of Object.entries(params)) {
    for (const p of targetPaths(key, out)) out = setPath(out, p, value, key);
  }
  return out;
}
