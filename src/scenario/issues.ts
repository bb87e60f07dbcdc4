/**
 * Zod issues -> one readable line each (`workload.rps: expected a positive number, got "fast"`).
 * Union failures are narrowed to the alternative that came closest, so a typo inside
 * `workload.generator` is reported there, not as "invalid input" on `workload`.
 */
import type { z } from 'zod';
import { getPath, type PathSegment } from './paths.js';

export interface RawProblem {
  path: PathSegment[];
  message: string;
}

type Issue = z.core.$ZodIssue;

/** Problems for `issues` found while parsing `input`, with paths prefixed by `prefix`. */
export function describeIssues(issues: readonly Issue[], input: unknown, prefix: PathSegment[] = [], schema?: z.ZodType): RawProblem[] {
  const out: RawProblem[] = [];
  for (const issue of issues) out.push(...describe(issue, input, prefix, schema));
  return out;
}

function describe(issue: Issue, input: unknown, prefix: PathSegment[], schema?: z.ZodType): RawProblem[] {
  const rel = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const path = [...prefix, ...rel];
  const value = getPath(input, rel);
  switch (issue.code) {
    case 'invalid_union': {
      const branches = issue.errors.filter((b) => b.length > 0);
      if (value === undefined) return [{ path, message: 'missing required field' }];
      if (branches.length === 0) return [{ path, message: `${issue.message}${got(value)}` }];
      // Closest alternative: fewest problems, preferring ones that are not "unknown key" at the top.
      const score = (b: readonly Issue[]) => b.length + (b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ? 0.5 : 0);
      const best = branches.reduce((a, b) => (score(b) < score(a) ? b : a));
      return describeIssues(best, value, path, undefined);
    }
    case 'unrecognized_keys': {
      const known = schema ? keysAt(schema, rel) : [];
      return issue.keys.map((k) => ({ path: [...path, k], message: `unknown field '${k}'${suggest(k, known)}` }));
    }
    case 'invalid_type':
      if (value === undefined) return [{ path, message: 'missing required field' }];
      return [{ path, message: `expected ${article(issue.expected)}${got(value)}` }];
    case 'too_small':
    case 'too_big':
      return [{ path, message: `${bound(issue)}${got(value)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got(value)}` }];
    case 'invalid_format':
      return [{ path, message: `${issue.message.replace(/^Invalid string: /, 'expected a string that ')}${got(value)}` }];
    default:
      return [{ path, message: `${lowerFirst(issue.message)}${got(value)}` }];
  }
}

function got(value: unknown): string {
  if (value === undefined) return '';
  // JSON shows NaN and Infinity (YAML .nan, .inf) as null; say what the file holds.
  if (typeof value === 'number' && !Number.isFinite(value)) return `, got ${value}`;
  let s = JSON.stringify(value) ?? String(value);
  if (s.length > 40) s = s.slice(0, 37) + '...';
  return `, got ${s}`;
}

function article(expected: string): string {
  const name = expected === 'int' ? 'integer' : expected === 'record' ? 'object' : expected;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
  const incl = issue.inclusive !== false;
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint':
      if (small && limit === 0 && !incl) return 'expected a positive number';
      if (small && limit === 0 && incl) return 'expected a number >= 0';
      return `expected a number ${small ? (incl ? '>=' : '>') : incl ? '<=' : '<'} ${limit}`;
    case 'array':
    case 'set':
      return `expected ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
    case 'string':
      return `expected ${small ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'}`;
    default:
      return lowerFirst(issue.message);
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The field names an object schema at `path` accepts (unwrapping defaults, optionals, unions). */
export function keysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const out = new Set<string>();
  const visit = (s: unknown, rest: readonly PathSegment[], depth: number): void => {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def || depth > 32) return;
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'catch':
        return visit(def.innerType, rest, depth + 1);
      case 'pipe':
        return visit(def.in, rest, depth + 1);
      case 'union':
        for (const o of def.options as unknown[]) visit(o, rest, depth + 1);
        return;
      case 'array':
        if (typeof rest[0] === 'number') visit(def.element, rest.slice(1), depth + 1);
        return;
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) Object.keys(shape).forEach((k) => out.add(k));
        else if (shape[String(rest[0])]) visit(shape[String(rest[0])], rest.slice(1), depth + 1);
        return;
      }
      default:
        return;
    }
  };
  visit(schema, path, 0);
  return [...out];
}

/** " (did you mean 'x'?)" for a near miss among `known` (edit distance <= 2). */
export function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
