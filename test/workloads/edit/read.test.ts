import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { readEditTrace, type EditRow } from '../../../src/workloads/edit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-edit-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function rows(p: string): Promise<EditRow[]> {
  const out: EditRow[] = [];
  for await (const r of readEditTrace(p)) out.push(r);
  return out;
}
async function errorOf(p: string): Promise<InputError> {
  try {
    await rows(p);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('readEditTrace(file)', () => {
  it('reads required and optional columns with their line numbers', async () => {
    const p = file('ok.csv', 'arrival_s,request,template,mask_ratio,steps,width,height,model\n0,a,t1,0.1,,,,\n0.5,b,t2,1,30,768,512,sdxl\n');
    expect(await rows(p)).toEqual([
      { arrival: 0, request: 'a', template: 't1', maskRatio: 0.1, line: 2, file: p },
      { arrival: 0.5, request: 'b', template: 't2', maskRatio: 1, steps: 30, width: 768, height: 512, model: 'sdxl', line: 3, file: p },
    ]);
  });

  it('accepts the four required columns alone, in any order', async () => {
    const p = file('min.csv', 'template,mask_ratio,request,arrival_s\nt0,0,r0,1.5\n');
    expect(await rows(p)).toEqual([{ arrival: 1.5, request: 'r0', template: 't0', maskRatio: 0, line: 2, file: p }]);
  });

  it.each([
    ['mask ratio above 1', '0,a,t,1.2', 'mask_ratio', 'expected a number <= 1'],
    ['mask ratio below 0', '0,a,t,-0.1', 'mask_ratio', 'expected a number >= 0'],
    ['negative arrival', '-1,a,t,0.1', 'arrival_s', 'expected a number >= 0'],
    ['non-numeric mask', '0,a,t,half', 'mask_ratio', 'expected a finite number'],
    ['non-numeric arrival', 'soon,a,t,0.1', 'arrival_s', 'expected a finite number'],
    ['empty template', '0,a,,0.1', 'template', 'expected a value'],
  ])('names file, line and field for a %s', async (_what, line, field, msg) => {
    const p = file(`bad-${field}-${line.length}.csv`, `arrival_s,request,template,mask_ratio\n0,ok,t,0.1\n${line}\n`);
    const e = await errorOf(p);
    expect(e.message).toContain(`${p}:3 field '${field}': ${msg}`);
    expect(e.line).toBe(3);
    expect(e.field).toBe(field);
  });

  it('rejects unsorted arrivals on the offending line', async () => {
    const e = await errorOf(file('unsorted.csv', 'arrival_s,request,template,mask_ratio\n2,a,t,0.1\n1,b,t,0.1\n'));
    expect(e.message).toMatch(/:3 field 'arrival_s': arrivals must be sorted: 1 comes after 2/);
  });

  it('rejects a repeated request id', async () => {
    const e = await errorOf(file('dup.csv', 'arrival_s,request,template,mask_ratio\n0,a,t,0.1\n1,a,t,0.1\n'));
    expect(e.message).toMatch(/:3 field 'request': duplicate request id 'a'/);
  });

  it('rejects a width without a height, a side not on the latent grid, and bad steps', async () => {
    const head = 'arrival_s,request,template,mask_ratio,steps,width,height\n';
    expect((await errorOf(file('wh.csv', `${head}0,a,t,0.1,,512,\n`))).message).toMatch(/:2 field 'height': width and height must be given together/);
    expect((await errorOf(file('grid.csv', `${head}0,a,t,0.1,,500,512\n`))).message).toMatch(/:2 field 'width': expected a multiple of 8 pixels/);
    expect((await errorOf(file('steps.csv', `${head}0,a,t,0.1,2.5,,\n`))).message).toMatch(/:2 field 'steps': expected an integer/);
    expect((await errorOf(file('steps0.csv', `${head}0,a,t,0.1,0,,\n`))).message).toMatch(/:2 field 'steps': expected a number >= 1/);
  });

  it('rejects unknown and missing columns in the header', async () => {
    expect((await errorOf(file('unk.csv', 'arrival_s,request,template,mask_ratio,prompt\n0,a,t,0.1,x\n'))).message).toMatch(/:1 field 'prompt': unknown column/);
    expect((await errorOf(file('miss.csv', 'arrival_s,request,template\n0,a,t\n'))).message).toMatch(/missing required column 'mask_ratio'/);
  });
});
