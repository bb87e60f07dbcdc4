/**
 * jsonSyntaxError (src/json-text.ts), the locator behind `report`'s one-line "not valid JSON":
 * it must call a text JSON exactly when JSON.parse does, and point where the text stops being JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../src/json-text.js';

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
