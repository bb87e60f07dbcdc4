import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { t2iTrace, type T2iRow } from '../../../src/workloads/t2i/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-t2i-reader-'));
let n = 0;
function file(text: string): string {
  const p = join(dir, `t${n++}.csv`);
  writeFileSync(p, text);
  return p;
}
async function rows(p: string): Promise<T2iRow[]> {
  const out: T2iRow[] = [];
  for await (const r of t2iTrace.read(p)) out.push(r);
  return out;
}
async function error(text: string): Promise<InputError> {
  const p = file(text);
  try {
    await rows(p);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}
const H = 'arrival_s,request,loras,controlnets';

describe('t2iTrace.read(file)', () => {
  it('parses adapters, optional columns and empty cells', async () => {
    const p = file(`${H},steps,width,height,model\n0,r1,l1|l2,c1,30,768,1024,sdxl\n0.5,r2,,,,,,\n`);
    expect(await rows(p)).toEqual([
      { arrival_s: 0, request: 'r1', loras: ['l1', 'l2'], controlnets: ['c1'], steps: 30, width: 768, height: 1024, model: 'sdxl' },
      { arrival_s: 0.5, request: 'r2', loras: [], controlnets: [] },
    ]);
  });

  it('accepts the required columns alone, in any order', async () => {
    expect(await rows(file('controlnets,loras,request,arrival_s\nc1|c2,l9,x,1.5\n'))).toEqual([
      { arrival_s: 1.5, request: 'x', loras: ['l9'], controlnets: ['c1', 'c2'] },
    ]);
  });

  it('names file, line and field for each kind of bad row', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${H}\n2,a,,\n1,b,,\n`, /:3 field 'arrival_s': arrivals must be sorted: 1 comes after 2/],
      [`${H}\n-1,a,,\n`, /:2 field 'arrival_s': expected a number >= 0, got '-1'/],
      [`${H}\nx,a,,\n`, /:2 field 'arrival_s': expected a finite number/],
      [`${H}\n0,a,l 1,\n`, /:2 field 'loras': bad adapter id 'l 1'/],
      [`${H}\n0,a,l1|l1,\n`, /:2 field 'loras': adapter 'l1' listed twice/],
      [`${H}\n0,a,l1||l2,\n`, /:2 field 'loras': expected '\|'-separated values with no empty item/],
      [`${H}\n0,a,,c1|c2|c3|c4\n`, /:2 field 'controlnets': at most 3 controlnets per request, got 4/],
      [`${H}\n0,a,l1|l2|l3|l4,\n`, /:2 field 'loras': at most 3 loras per request, got 4/],
      [`${H}\n0,a b,,\n`, /:2 field 'request': bad request id 'a b'/],
      [`${H},steps\n0,a,,,0\n`, /:2 field 'steps': expected a number >= 1/],
      [`${H},steps\n0,a,,,2.5\n`, /:2 field 'steps': expected an integer/],
      [`${H},width,height\n0,a,,,512,\n`, /:2 field 'height': width and height must be given together/],
      [`${H},width,height\n0,a,,,500,512\n`, /:2 field 'width': image sides must be multiples of 8 pixels, got 500/],
      [`${H},width,height\n0,a,,,512,16\n`, /:2 field 'height': expected a number >= 64/],
      [`${H},lora\n0,a,,,x\n`, /:1 field 'lora': unknown column 'lora'/],
      [`arrival_s,request,loras\n0,a,\n`, /:1 field 'controlnets': missing required column 'controlnets'/],
    ];
    for (const [text, re] of cases) expect((await error(text)).message).toMatch(re);
  });

  it('puts the file path first in the message', async () => {
    const e = await error(`${H}\n0,a,,c1|c2|c3|c4\n`);
    expect(e.message.startsWith(join(dir, ''))).toBe(true);
    expect(e.line).toBe(2);
    expect(e.field).toBe('controlnets');
  });
});
