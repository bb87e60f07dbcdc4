/**
 * Calibration profiles: what the validator measured on a device and the cost fits derived from it.
 * A scenario names a profile file; its fitted op costs and link figures then replace the presets.
 * The schema is the contract between validate/ (writer) and cost/ (reader).
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { parseJson } from '../json-text.js';
import { decodeUtf8 } from '../input-text.js';

export const opFitSchema = z.discriminatedUnion('model', [
  z.object({
    /** seconds = overhead_s + max(flops / flops_per_s, bytes / bytes_per_s) */
    model: z.literal('roofline'),
    flops_per_s: z.number().positive(),
    bytes_per_s: z.number().positive(),
    overhead_s: z.number().nonnegative(),
    r2: z.number().optional(),
    holdout_error: z.number().optional(),
  }),
  z.object({
    /** seconds interpolated linearly in `x` (flops or bytes) between measured points; extrapolated from the last two. */
    model: z.literal('piecewise'),
    x: z.enum(['flops', 'bytes']),
    points: z.array(z.tuple([z.number().nonnegative(), z.number().nonnegative()])).min(2),
    r2: z.number().optional(),
    holdout_error: z.number().optional(),
  }),
]);
export type OpFit = z.infer<typeof opFitSchema>;

const linkSegmentSchema = z.object({
  /** The segment prices transfers of at least this many bytes (the first starts at 0). */
  from_bytes: z.number().nonnegative(),
  bandwidth: z.number().positive(),
  latency_s: z.number().nonnegative(),
});
export type LinkSegment = z.infer<typeof linkSegmentSchema>;

export const linkFitSchema = z.object({
  /** The largest transfers' figures (the last segment's, when there are segments). */
  bandwidth: z.number().positive(),
  latency_s: z.number().nonnegative(),
  /** Two or more lines by transfer size, ascending `from_bytes` starting at 0, when one line fits badly. */
  segments: z.array(linkSegmentSchema).min(2).optional(),
  r2: z.number().optional(),
  holdout_error: z.number().optional(),
  /** Holdout error of the single line, kept beside the segments' for the report. */
  line_holdout_error: z.number().optional(),
  /** Mean relative error on every interior size, each predicted by a fit without its fourth of the sizes: what chose the segment count. */
  cv_error: z.number().optional(),
  /** The same for the single line. */
  line_cv_error: z.number().optional(),
});
export type LinkFit = z.infer<typeof linkFitSchema>;

/** The bandwidth and latency that price a transfer of `bytes` on a fitted link. */
export function linkAt(fit: LinkFit, bytes: number): { bandwidth: number; latency_s: number } {
  const segs = fit.segments;
  if (!segs) return { bandwidth: fit.bandwidth, latency_s: fit.latency_s };
  let seg = segs[0]!;
  for (const s of segs) if (bytes >= s.from_bytes) seg = s;
  return { bandwidth: seg.bandwidth, latency_s: seg.latency_s };
}

export const sampleSchema = z.object({
  op: z.string(),
  shape: z.record(z.string(), z.union([z.number(), z.string()])),
  flops: z.number().nonnegative(),
  bytes: z.number().nonnegative(),
  seconds: z.array(z.number().nonnegative()),
  median_s: z.number().nonnegative(),
});

export const profileSchema = z.object({
  servesim_profile: z.literal(1),
  created: z.string(),
  adapter: z.object({
    vendor: z.string(),
    architecture: z.string(),
    device: z.string(),
    description: z.string(),
  }),
  features: z.array(z.string()),
  timing: z.enum(['timestamp-query', 'wall-clock']),
  samples: z.array(sampleSchema),
  ops: z.record(z.string(), opFitSchema),
  links: z.record(z.string(), linkFitSchema),
  /** 0 = copy and compute serialise on this device, 1 = they overlap fully. */
  overlap: z.number().min(0).max(1),
});
export type Profile = z.infer<typeof profileSchema>;

/** Larger than any profile the validator writes (a few hundred samples); beyond it, a wrong file. */
const MAX_PROFILE_BYTES = 16 << 20;

/** Parse and validate a profile; errors name the file, the line and the field path. */
export function parseProfile(text: string, file = 'profile'): Profile {
  const raw = parseJson(text, file, { field: '(syntax)' });
  // JSON.parse keeps the last of two equal keys; a profile edited by hand must not hide one.
  const dup = parseDocument(text, { uniqueKeys: true, lineCounter: new LineCounter() }).errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (dup) {
    const key = /^\s*"((?:[^"\\]|\\.)*)"/.exec(text.slice(dup.pos[0]))?.[1] ?? '?';
    throw new InputError(`duplicate key '${key}'`, { file, line: lineAt(text, dup.pos[0]), field: key });
  }
  const r = profileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    throw new InputError(`${issue.message}${gotOf(raw, path)}`, { file, line: jsonLineOf(text, path), field: path.join('.') || '(top level)' });
  }
  return r.data;
}

export function loadProfile(path: string): Profile {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_PROFILE_BYTES) throw new InputError(`profile is ${size} bytes; expected a calibration profile JSON (under ${MAX_PROFILE_BYTES} bytes)`, { file: path });
    const buf = readFileSync(path);
    text = decodeUtf8(buf, path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read profile (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  return parseProfile(text, path);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `, got X` for the value at `path`, when there is one to show. */
function gotOf(raw: unknown, path: Array<string | number>): string {
  let v: unknown = raw;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<string | number, unknown>)[seg];
  }
  if (v === undefined || (typeof v === 'object' && v !== null)) return '';
  const s = JSON.stringify(v) ?? String(v);
  return `, got ${s.length > 40 ? s.slice(0, 37) + '...' : s}`;
}

/** Line of the deepest node along `path` in a JSON text (parsed again, as YAML, for positions). */
function jsonLineOf(text: string, path: Array<string | number>): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const lineOfNode = (n: unknown) => {
    const r = (n as { range?: [number, number] } | null)?.range;
    return r ? lines.linePos(r[0]).line : undefined;
  };
  let node: unknown = doc.contents;
  let best = lineOfNode(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      best = lineOfNode(pair.key) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = lineOfNode(item) ?? best;
      node = item;
    } else break;
  }
  return best;
}
