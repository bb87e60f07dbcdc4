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

/** A sweep entry that a `--set` on the same field (or a parent of it) removed. */
export interface ReplacedSweep {
  key: string;
  /** The values the sweep had, for the note ("0.3, 0.6, 0.9"). */
  values: string;
}

/**
 * A `--set` writing `setPaths` against the scenario's sweep entries. The sweep is applied after
 * `--set`, so a set field that is also swept would be silently overwritten at every point; instead:
 *  - the set covers every path the sweep entry writes (same field, or a parent object of it): the
 *    sweep entry is dropped and the set value is the single point (returned, for a note);
 *  - it covers some of them (`policies[1].policy.x` against a sweep of `policy.x`), or it writes
 *    inside a swept value (`hardware.gpus` against a sweep of `hardware`): an InputError, since no
 *    single reading of both is what the user asked.
 * Returns the scenario without the dropped entries.
 */
export function overrideSweep(raw: Record<string, unknown>, setPaths: readonly PathSegment[][], setText: string): { raw: Record<string, unknown>; replaced: ReplacedSweep[] } {
  const sweep = raw.sweep;
  if (typeof sweep !== 'object' || sweep === null || Array.isArray(sweep)) return { raw, replaced: [] };
  const entries = sweep as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  const replaced: ReplacedSweep[] = [];
  for (const [key, value] of Object.entries(entries)) {
    let targets: PathSegment[][];
    try {
      targets = targetPaths(key, raw);
    } catch {
      kept[key] = value; // a malformed key is reported by the loader, at its line
      continue;
    }
    const covered = targets.filter((t) => setPaths.some((s) => isPrefix(s, t)));
    if (targets.length > 0 && covered.length === targets.length) {
      replaced.push({ key, values: describeSweepValues(value) });
      continue;
    }
    if (covered.length > 0) {
      throw new InputError(`--set ${setText} sets only some of the fields the sweep over '${key}' varies; set the sweep instead (--set 'sweep.${key}=[...]')`);
    }
    if (targets.some((t) => setPaths.some((s) => s.length > t.length && isPrefix(t, s)))) {
      throw new InputError(`--set ${setText} writes inside '${key}', which the sweep replaces at every point, so it would be lost; put it in the sweep's values (--set 'sweep.${key}=[...]')`);
    }
    kept[key] = value;
  }
  return replaced.length ? { raw: { ...raw, sweep: kept }, replaced } : { raw, replaced };
}

function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

/** A sweep entry's values for a message: `0.3, 0.6, 0.9`; long lists elided. */
export function describeSweepValues(value: unknown): string {
  let values: unknown[];
  if (Array.isArray(value)) values = value;
  else {
    try {
      values = rangeValues(value as SweepRange);
    } catch {
      return JSON.stringify(value);
    }
  }
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (values.length <= 8) return values.map(show).join(', ');
  return `${values.slice(0, 3).map(show).join(', ')}, ..., ${show(values[values.length - 1])} (${values.length} values)`;
}
