/**
 * katz: the public 20-day text-to-image production trace of SwiftDiffusion/Katz, a JSON list (or
 * JSON lines) of `{timestamp, ip, scene_id, base_model_id, controlnets[], loras[]}`. Maps
 * directly to t2i: arrival_s (relative to the earliest, optionally rescaled), request = index of the
 * entry in the file, loras and controlnets `|`-joined, model = base_model_id. ip and scene_id are
 * dropped. Entries are sorted by time (stably) since arrivals must not go back.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { parseJson } from '../../json-text.js';
import { csvCell } from '../csv.js';
import { writeTrace } from './output.js';
import { parseStamp, relativeArrivals, type Stamp } from './time.js';
import type { Importer } from './types.js';

interface Entry {
  stamp: Stamp;
  loras: string[];
  controlnets: string[];
  model: string;
}

function entries(file: string): Array<{ value: unknown; where: { field?: string; line?: number } }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new InputError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  if (text.trimStart().startsWith('[')) {
    const list = parseJson(text, file);
    return (list as unknown[]).map((value, i) => ({ value, where: { field: `[${i}]` } }));
  }
  // JSON lines: one object per line.
  const out: Array<{ value: unknown; where: { line: number } }> = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push({ value: JSON.parse(line), where: { line: i + 1 } });
    } catch {
      throw new InputError('expected one JSON object per line (or a JSON list)', { file, line: i + 1 });
    }
  });
  return out;
}

function ids(v: unknown, name: string, fail: (field: string, msg: string) => never): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(name, `expected a list of ids, got ${JSON.stringify(v)}`);
  return (v as unknown[]).map((x) => {
    if (typeof x !== 'string' && typeof x !== 'number') fail(name, `expected string or number ids, got ${JSON.stringify(x)}`);
    const s = String(x);
    if (s === '' || s.includes('|')) fail(name, `id ${JSON.stringify(s)} is empty or contains '|', the list separator`);
    return s;
  });
}

export const katz: Importer = {
  description: 'Katz/SwiftDiffusion text-to-image production trace (JSON list or JSON lines) -> t2i',
  kinds: ['t2i'],
  async run(file, opts) {
    const list = entries(file);
    const rows: Entry[] = list.map(({ value, where }, i) => {
      const fail = (field: string, msg: string): never => {
        throw new InputError(msg, { file, line: where.line, field: `${where.field ?? `entry ${i}`}.${field}` });
      };
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('', 'expected an object');
      const o = value as Record<string, unknown>;
      const ts = o.timestamp;
      const stamp = typeof ts === 'string' || typeof ts === 'number' ? parseStamp(ts, opts.timeUnit) : undefined;
      if (!stamp) fail('timestamp', `expected a timestamp (number or date-time), got ${JSON.stringify(ts)}`);
      const model = o.base_model_id;
      if (model !== undefined && model !== null && typeof model !== 'string' && typeof model !== 'number') fail('base_model_id', `expected an id, got ${JSON.stringify(model)}`);
      return { stamp: stamp!, loras: ids(o.loras, 'loras', fail), controlnets: ids(o.controlnets, 'controlnets', fail), model: model === undefined || model === null ? '' : String(model) };
    });
    if (rows.length === 0) throw new InputError('trace has no entries', { file });
    const { order, arrivals } = relativeArrivals(rows.map((r) => r.stamp), opts.rps);
    const n = Math.min(order.length, opts.limit ?? Infinity);
    await writeTrace(opts.out, (w) => {
      w.write('arrival_s,request,loras,controlnets,model');
      for (let k = 0; k < n; k++) {
        const i = order[k]!;
        const r = rows[i]!;
        w.write(`${arrivals[k]},${i},${csvCell(r.loras.join('|'))},${csvCell(r.controlnets.join('|'))},${csvCell(r.model)}`);
      }
    });
    return { format: 'katz', kind: 't2i', rows: n, requests: n, out: opts.out, notes: ['ip and scene_id dropped; request = entry index in the file'] };
  },
};
