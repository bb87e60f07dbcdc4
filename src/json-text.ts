/**
 * Where a text stops being JSON. JSON.parse's messages differ between V8 versions (older ones give
 * no position for an unexpected token, and quote the text around it over several lines), so a
 * failed parse is rescanned here for the offset and a one-line reason of its own. parseJson is the
 * one reader every JSON input (results, profiles, buddy matrices, imported lists) goes through.
 */
import { InputError } from './errors.js';

export interface JsonSyntaxError {
  /** 0-based offset of the first character that cannot continue the JSON text. */
  offset: number;
  line: number;
  column: number;
  reason: string;
}

/**
 * JSON.parse of a user's file, or one InputError naming it: `not valid JSON (column C: reason)` at
 * the line where the text stops being JSON (an empty file: no line). `prefix` leads the message,
 * `field` is the error's field.
 */
export function parseJson(text: string, file: string, opts: { prefix?: string; field?: string } = {}): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const prefix = opts.prefix ?? '';
    const field = opts.field !== undefined ? { field: opts.field } : {};
    if (text.trim() === '') throw new InputError(`${prefix}not valid JSON (the file is empty)`, { file, ...field });
    const at = jsonSyntaxError(text);
    throw new InputError(`${prefix}not valid JSON${at ? ` (column ${at.column}: ${at.reason})` : ''}`, { file, ...(at ? { line: at.line } : {}), ...field });
  }
}

/** The first syntax error of `text` as JSON; undefined when it is valid (or too deep to scan). */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (reason: string): never => {
    throw new Stop(reason);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const unexpected = (want: string): never => fail(i >= text.length ? `the text ends where ${want} was expected` : `expected ${want}, found ${shown(text[i]!)}`);
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail('a control character (a raw line break?) inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('a \\u escape needs 4 hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`an invalid escape '\\${e ?? ''}' in a string`);
      } else i++;
    }
    fail('a string is not closed (missing ")');
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (want: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') unexpected('a quoted key');
        string();
        ws();
        if (text[i] !== ':') unexpected("':'");
        i++;
        value('a value');
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else unexpected("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value('a value');
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else unexpected("',' or ']'");
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if (c !== undefined && (c === '-' || (c >= '0' && c <= '9')) && NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return void (i += word.length);
    unexpected(want);
  };
  try {
    value('a JSON value');
    ws();
    if (i < text.length) fail(`unexpected ${shown(text[i]!)} after the JSON value`);
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) return undefined; // a stack overflow: nested too deep to say where
    let line = 1;
    let start = 0;
    for (let k = 0; k < i && k < text.length; k++) {
      if (text[k] === '\n') {
        line++;
        start = k + 1;
      }
    }
    return { offset: i, line, column: i - start + 1, reason: e.message };
  }
}

class Stop extends Error {}

function shown(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0xfffd) return 'a byte that is not UTF-8 (a binary file?)';
  return code < 0x20 || code === 0x7f ? `byte 0x${code.toString(16).padStart(2, '0')}` : `'${c}'`;
}
