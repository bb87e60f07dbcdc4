import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { intList, num, readCsv } from '../../src/workloads/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-csv-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function collect(p: string, f: (r: any) => unknown = (r) => r.cells) {
  const out: unknown[] = [];
  for await (const r of readCsv(p, { required: ['a', 'b'], optional: ['c'] })) out.push(f(r));
  return out;
}
async function errorOf(p: string, f?: (r: any) => unknown): Promise<InputError> {
  try {
    await collect(p, f);
  } catch (e) {
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('readCsv(file, spec)', () => {
  it('streams rows with their line numbers', async () => {
    const p = file('ok.csv', 'a,b\n1,2|3\n\n4,5\n');
    const rows = await collect(p, (r) => [r.line, num(r, 'a'), intList(r, 'b')]);
    expect(rows).toEqual([
      [2, 1, [2, 3]],
      [4, 4, [5]],
    ]);
  });

  it('names file, line and field for a non-numeric cell', async () => {
    const p = file('bad.csv', 'a,b\n1,2\nx,3\n');
    const e = await errorOf(p, (r) => num(r, 'a'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`${p}:3 field 'a': expected a finite number, got 'x'`);
  });

  it('rejects a missing column, an unknown column, and a ragged row', async () => {
    expect((await errorOf(file('m.csv', 'a\n1\n'))).message).toMatch(/:1 field 'b': missing required column 'b'/);
    expect((await errorOf(file('u.csv', 'a,b,zz\n1,2,3\n'))).message).toMatch(/unknown column 'zz'/);
    expect((await errorOf(file('r.csv', 'a,b\n1,2\n1,2,3\n'))).message).toMatch(/:3 field 'column 3': 3 cells for 2 columns: extra cell after 'b'/);
  });

  it('a ragged row in a small file (one read) is counted against its own header, optional columns and order included', async () => {
    // The whole file is one chunk: when rows followed the bad one, the parse error used to arrive
    // before the header was read, and the row was measured against the required columns instead.
    expect((await errorOf(file('ro.csv', 'a,b,c\n1,2,3\n1,2\n4,5,6\n'))).message).toMatch(/:3 field 'c': 2 cells for 3 columns: 'c' and after are missing$/);
    expect((await errorOf(file('rx.csv', 'a,b,c\n1,2,3\n1,2,3,4\n4,5,6\n'))).message).toMatch(/:3 field 'column 4': 4 cells for 3 columns: extra cell after 'c'$/);
    expect((await errorOf(file('rb.csv', 'b,a\n1,2\n1\n4,5\n'))).message).toMatch(/:3 field 'a': 1 cells for 2 columns: 'a' and after are missing$/);
    // A bad header is still the first problem, before a ragged row below it.
    expect((await errorOf(file('rh.csv', 'a,b,zz\n1,2\n4,5,6\n'))).message).toMatch(/:1 field 'zz': unknown column 'zz'/);
  });

  it('reports the first problem in file order: a bad cell above a ragged row', async () => {
    const e = await errorOf(file('first.csv', 'a,b\n1,2\nx,3\n1,2,3\n4,5\n'), (r) => num(r, 'a'));
    expect(e.message).toMatch(/:3 field 'a': expected a finite number, got 'x'$/);
  });

  it('rejects an empty file and a missing file', async () => {
    expect((await errorOf(file('e.csv', ''))).message).toMatch(/empty file/);
    expect((await errorOf(join(dir, 'nope.csv'))).message).toMatch(/cannot read trace \(ENOENT\)/);
  });

  it('reads numbers in decimal notation only: hex, binary and octal are refused, not converted', async () => {
    const ok = await collect(file('dec.csv', 'a,b\n.5,1e1\n+2,-3.\n'), (r) => [num(r, 'a'), num(r, 'b')]);
    expect(ok).toEqual([[0.5, 10], [2, -3]]);
    expect((await errorOf(file('hex.csv', 'a,b\n0x10,1\n'), (r) => num(r, 'a'))).message).toMatch(/:2 field 'a': expected a decimal number, got '0x10'$/);
    expect((await errorOf(file('bin.csv', 'a,b\n1,0b1\n'), (r) => num(r, 'b'))).message).toMatch(/:2 field 'b': expected a decimal number, got '0b1'$/);
    expect((await errorOf(file('oct.csv', 'a,b\n1|0o7,1\n'), (r) => intList(r, 'a'))).message).toMatch(/:2 field 'a': expected '\|'-separated integers, got '1\|0o7'$/);
  });

  it('rejects NaN and Infinity as numbers', async () => {
    expect((await errorOf(file('n.csv', 'a,b\nNaN,1\n'), (r) => num(r, 'a'))).message).toMatch(/expected a finite number/);
    expect((await errorOf(file('i.csv', 'a,b\nInfinity,1\n'), (r) => num(r, 'a'))).message).toMatch(/expected a finite number/);
  });
});
