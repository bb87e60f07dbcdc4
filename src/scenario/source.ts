/**
 * Reading a scenario file (YAML or JSON; JSON is parsed as YAML so both get line numbers) into a
 * plain object plus a locator that maps a path in it back to a line of the file. Duplicate keys are
 * errors, and aliases are capped so a "billion laughs" file cannot exhaust memory.
 */
import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { InputError } from '../errors.js';
import { decodeUtf8 } from '../input-text.js';
import type { Path } from './paths.js';

/** Aliases expanded per document; real scenarios use a handful. */
const MAX_ALIAS_COUNT = 100;
/** A scenario is a small config file; anything larger is a mistake (a trace passed by accident). */
const MAX_SCENARIO_BYTES = 4 << 20;

export interface ScenarioSource {
  /** The file as the user named it (for messages). */
  file: string;
  value: unknown;
  /** 1-based line of the deepest node along `path` that exists in the file. */
  lineOf(path: Path): number | undefined;
}

export function readScenarioSource(file: string): ScenarioSource {
  let text: string;
  try {
    // Size first: a huge file (a trace passed by mistake) is refused before it is read.
    const size = statSync(file).size;
    if (size > MAX_SCENARIO_BYTES) throw new InputError(`scenario file is ${size} bytes; expected a small YAML/JSON file (under ${MAX_SCENARIO_BYTES})`, { file });
    const buf = readFileSync(file);
    text = decodeUtf8(buf, file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read scenario (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  return parseScenarioText(text, file);
}

export function parseScenarioText(text: string, file: string): ScenarioSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, strict: true });
  // The first syntax problem only: the ones after it are usually the same mistake seen again.
  const problems = doc.errors.slice(0, 1);
  const more = doc.errors.length - 1;
  if (problems.length > 0) {
    const msgs = problems.map((e) => {
      const line = e.linePos?.[0]?.line;
      const col = e.linePos?.[0]?.col;
      const where = `${file}${line !== undefined ? `:${line}` : ''}`;
      if (e.code === 'DUPLICATE_KEY') {
        const eol = text.indexOf('\n', e.pos[0]);
        const key = keyText(text.slice(e.pos[0], eol < 0 ? undefined : eol));
        return `${where} ${key}: duplicate key '${key}' (each key may appear once per mapping)`;
      }
      const what = e.message.split(' at line ')[0]!.replace(/\s+/g, ' ').trim();
      const near = nearestKey(text, e.pos[0]);
      return `${where} ${near !== undefined ? `${near}: ` : ''}YAML syntax${col !== undefined ? ` (column ${col})` : ''}: ${what}${more > 0 ? ` (${more} more YAML error${more > 1 ? 's' : ''} may follow from it)` : ''}`;
    });
    throw new InputError(msgs.join('\n'));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError) throw new InputError(`too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}); refusing a possible alias bomb`, { file });
    throw new InputError(`cannot read YAML (${(e as Error).message})`, { file });
  }
  return { file, value, lineOf: (path) => lineOf(doc, lines, path) };
}

/** The key written at the start of `raw` (quotes removed), for messages. */
function keyText(raw: string): string {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^:,{}\[\]]*?))\s*:/.exec(raw);
  const key = m ? (m[1] ?? m[2] ?? m[3] ?? '') : raw.trim();
  return key.slice(0, 60) || '(empty key)';
}

/** The last `key:` written at or before `offset`: the field a syntax error is in or just after. */
function nearestKey(text: string, offset: number): string | undefined {
  const before = text.slice(Math.max(0, offset - 2000), offset + 1);
  const re = /(?:^|[\s{,])["']?([A-Za-z_][\w.-]*)["']?\s*:(?=\s|$)/gm;
  let last: string | undefined;
  for (let m = re.exec(before); m !== null; m = re.exec(before)) last = m[1];
  return last;
}

function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = startLine(node, lines);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      // The key's line: that is where a reader looks for the field, even for a block value.
      best = startLine(pair.key, lines) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = startLine(item, lines) ?? best;
      node = item;
    } else break;
  }
  return best;
}

function startLine(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as YamlNode | null)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}
