/**
 * jsonSyntaxError (src/json-text.ts), the locator behind `report`'s one-line "not valid JSON":
 * it must call a text JSON exactly when JSON.parse does, and point where the text stops being JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { jsonSyntaxError, parseJson } from '../../src/json-text.js';

const parses = (t: string) => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};

describe('jsonSyntaxError', () => {
  it('agrees with JSON.parse on valid JSON and on JSON with a character deleted, replaced or inserted', () => {
    const edit = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\n', 'x', '0', '-', '\\', '{', '[')).map(([j, k, c]) => {
      const at = j.length ? k % j.length : 0;
      return k % 3 === 0 ? j.slice(0, at) + j.slice(at + 1) : k % 3 === 1 ? j.slice(0, at) + c + j.slice(at + 1) : j.slice(0, at) + c + j.slice(at);
    });
    fc.assert(
      fc.property(fc.oneof(fc.json(), edit, fc.string({ maxLength: 12 })), (t) => {
        expect(jsonSyntaxError(t) === undefined).toBe(parses(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the line and column of the first character that cannot continue the JSON', () => {
    expect(jsonSyntaxError('{\n  "a": 1,\n  "b": }')).toMatchObject({ line: 3, column: 8, reason: "expected a value, found '}'" });
    expect(jsonSyntaxError('name: x')).toMatchObject({ line: 1, column: 1, reason: "expected a JSON value, found 'n'" });
    expect(jsonSyntaxError('[1, 2')).toMatchObject({ line: 1, column: 6, reason: "the text ends where ',' or ']' was expected" });
    expect(jsonSyntaxError('{"a": "x\ny"}')).toMatchObject({ line: 1, column: 9 });
    expect(jsonSyntaxError('{} {}')).toMatchObject({ column: 4, reason: "unexpected '{' after the JSON value" });
  });
});

describe('parseJson (every JSON input: results, profiles, buddy matrices, imported lists)', () => {
  const error = (text: string, opts?: { prefix?: string; field?: string }) => {
    try {
      parseJson(text, 'f.json', opts);
    } catch (e) {
      return e as InputError;
    }
    throw new Error('parsed');
  };
  it('returns what JSON.parse does', () => {
    expect(parseJson('{"a": [1, 2]}', 'f.json')).toEqual({ a: [1, 2] });
  });
  it('is one line naming the file, the line, the column and the field', () => {
    const e = error('{\n  "a": 1,\n}', { field: '(syntax)' });
    expect(e).toBeInstanceOf(InputError);
    expect(e).toMatchObject({ file: 'f.json', line: 3, field: '(syntax)' });
    expect(e.message).toBe("f.json:3 field '(syntax)': not valid JSON (column 1: expected a quoted key, found '}')");
    expect(error('[1,', { prefix: 'not a results.json: ' }).message).toBe('f.json:1: not a results.json: not valid JSON (column 4: the text ends where a value was expected)');
  });
  it('says an empty file is empty, with no line', () => {
    const e = error(' \n');
    expect(e.line).toBeUndefined();
    expect(e.message).toBe('f.json: not valid JSON (the file is empty)');
  });
});

