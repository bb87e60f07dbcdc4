/**
 * The generator parameters of a trace kind, read from its zod schema (names, defaults and the
 * `.describe()` text), for `trace gen --help` and for naming the valid ones after a typo.
 */
import { z, type ZodType } from 'zod';

export interface GenParamDoc {
  /** Dotted path, as `--param` takes it (`loras.count`). */
  name: string;
  /** JSON text of the default; undefined when the parameter is optional with no default. */
  default?: string;
  meaning: string;
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  default?: unknown;
  description?: string;
}

export function genParamDocs(schema: ZodType): GenParamDoc[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: GenParamDoc[] = [];
  const walk = (s: JsonSchema, prefix: string) => {
    for (const [key, p] of Object.entries(s.properties ?? {})) {
      const name = prefix + key;
      // A nested object (t2i's loras, controlnets) is set field by field.
      if (p.type === 'object' && p.properties) {
        walk(p, `${name}.`);
        continue;
      }
      const dflt = p.default === undefined ? undefined : typeof p.default === 'string' ? p.default : JSON.stringify(p.default);
      out.push({ name, default: dflt, meaning: p.description ?? '' });
    }
  };
  walk(root, '');
  return out;
}

/** Help text: one parameter per line, `name  default  meaning`. */
export function formatGenParams(docs: readonly GenParamDoc[], indent = '  '): string {
  const w = Math.max(...docs.map((d) => d.name.length));
  const dw = Math.max(...docs.map((d) => (d.default ?? '-').length));
  return docs.map((d) => `${indent}${d.name.padEnd(w)}  ${(d.default ?? '-').padEnd(dw)}  ${d.meaning}`).join('\n');
}
