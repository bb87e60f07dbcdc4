/**
 * Dotted paths into a scenario (`workload.generator.rps`, `policies[1].policy.cache` or
 * `policies.1.policy.cache`): parsing, printing, reading and writing plain JSON-like objects.
 * Used by `--set`, sweeps and error messages, so all three speak the same path language.
 */
import { InputError } from '../errors.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** `a.b[2].c` or `a.b.2.c` -> ['a', 'b', 2, 'c']. Numeric segments become array indices. */
export function parsePath(text: string, where = 'path'): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text)) !== null) {
    const between = text.slice(consumed, m.index);
    if (between !== '' && between !== '.' ) throw new InputError(`malformed ${where} '${text}'`);
    if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(/^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!);
    consumed = m.index + m[0].length;
  }
  if (out.length === 0 || consumed !== text.length || text.startsWith('.') || text.includes('..')) {
    throw new InputError(`malformed ${where} '${text}' (expected dotted keys such as workload.generator.rps)`);
  }
  return out;
}

/** ['policies', 1, 'policy'] -> 'policies[1].policy'. */
export function formatPath(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s === '' ? '(top level)' : s;
}

/** Whether `path` is `prefix` or lies under it (segments compared as text: `policies.0` is `policies[0]`). */
export function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

/** A SimulationInput field path (`policy.x`, `model.y`) as the scenario path of policy entry `policy`. */
export function scenarioPathOf(field: string, policy: number): Path {
  const path = parsePath(field);
  if (path[0] === 'policy') return ['policies', policy, 'policy', ...path.slice(1)];
  return path;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

/**
 * Set `value` at `path`, creating objects on the way. Returns a copy of `obj` (the input is never
 * changed): sweep points share one base scenario. Throws when the path crosses a scalar.
 */
export function setPath(obj: unknown, path: Path, value: unknown, display = formatPath(path)): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [PathSegment, ...PathSegment[]];
  if (Array.isArray(obj)) {
    if (typeof head !== 'number') throw new InputError(`cannot set '${display}': '${head}' indexes a list (use a number)`);
    if (head > obj.length) throw new InputError(`cannot set '${display}': index ${head} is past the end of a list of ${obj.length}`);
    const copy = obj.slice();
    copy[head] = setPath(obj[head], rest, value, display);
    return copy;
  }
  if (obj === undefined || obj === null || isPlainObject(obj)) {
    const base = isPlainObject(obj) ? obj : {};
    return { ...base, [String(head)]: setPath(base[String(head)], rest, value, display) };
  }
  throw new InputError(`cannot set '${display}': the value at '${String(head)}' is a ${typeof obj}, not an object`);
}

/** Stable JSON (object keys sorted) for fingerprints and caches. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
