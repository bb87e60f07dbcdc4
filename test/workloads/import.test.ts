import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { IMPORTERS, parseStamp, relativeArrivals, secondsBetween, type ImportOptions } from '../../src/workloads/import/index.js';

const FIX = 'test/fixtures/import';
const dir = mkdtempSync(join(tmpdir(), 'servesim-import-'));
let n = 0;
async function convert(format: keyof typeof IMPORTERS, file: string, opts: Partial<ImportOptions> = {}): Promise<string[]> {
  const out = join(dir, `out-${n++}.csv`);
  await IMPORTERS[format].run(file, { out, seed: 1, timeUnit: 's', ...opts });
  return readFileSync(out, 'utf8').trimEnd().split('\n');
}
async function errorOf(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}
function fixture(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('parseStamp / relativeArrivals', () => {
  it('keeps microseconds of 7-digit Azure timestamps that Date cannot parse', () => {
    const a = parseStamp('2023-11-16 18:15:46.6805900')!;
    const b = parseStamp('2023-11-16 18:15:50.9951690')!;
    expect(secondsBetween(a, b)).toBe(4.314579);
    expect(parseStamp('2023-11-16T18:15:46Z')!.sec).toBe(Date.UTC(2023, 10, 16, 18, 15, 46) / 1000);
    expect(parseStamp('2023-11-16 20:15:46+02:00')!.sec).toBe(parseStamp('2023-11-16 18:15:46')!.sec);
    expect(parseStamp('1500', 'ms')).toEqual({ sec: 1, frac: 0.5 });
    expect(parseStamp('yesterday')).toBeUndefined();
    expect(parseStamp('2023-13-01 00:00:00')).toBeUndefined();
  });

  it('sorts stably and rescales to a target mean rate', () => {
    const stamps = [3, 0, 3, 10].map((s) => parseStamp(s)!);
    expect(relativeArrivals(stamps)).toEqual({ order: [1, 0, 2, 3], arrivals: [0, 3, 3, 10] });
    // 3 gaps over 10 s = 0.3/s observed; at 3/s every time shrinks tenfold.
    expect(relativeArrivals(stamps, 3).arrivals).toEqual([0, 0.3, 0.3, 1]);
  });
});

describe('trace import azure-llm', () => {
  it('keeps the arrivals and draws templates and mask ratios (edit)', async () => {
    const lines = await convert('azure-llm', `${FIX}/azure-llm.csv`);
    expect(lines[0]).toBe('arrival_s,request,template,mask_ratio');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => Number(r[0]))).toEqual([0, 4.314579, 4.567742, 4.819534, 6.31941, 10]);
    expect(rows.map((r) => r[1])).toEqual(['0', '1', '2', '3', '4', '5']);
    for (const r of rows) {
      expect(r[2]).toMatch(/^t\d+$/);
      expect(Number(r[3])).toBeGreaterThan(0);
      expect(Number(r[3])).toBeLessThan(1);
    }
    // Same seed, same trace; another seed, other draws.
    expect(await convert('azure-llm', `${FIX}/azure-llm.csv`)).toEqual(lines);
    expect(await convert('azure-llm', `${FIX}/azure-llm.csv`, { seed: 2 })).not.toEqual(lines);
  });

  it('rescales to --rps and converts to t2i with add-on mixes', async () => {
    const lines = await convert('azure-llm', `${FIX}/azure-llm.csv`, { kind: 't2i', rps: 2 });
    expect(lines[0]).toBe('arrival_s,request,loras,controlnets');
    const rows = lines.slice(1).map((l) => l.split(','));
    const t = rows.map((r) => Number(r[0]));
    expect((t.length - 1) / t[t.length - 1]!).toBeCloseTo(2, 9);
    expect(t[1]).toBeCloseTo(4.314579 / 4, 6);
    for (const r of rows) {
      const loras = r[2] === '' ? [] : r[2]!.split('|');
      const cns = r[3]!.split('|');
      expect(loras.length).toBeLessThanOrEqual(2);
      expect(new Set(loras).size).toBe(loras.length);
      expect(cns.length === 1 || cns.length === 2).toBe(true); // service A: one or two ControlNets
      expect(cns.every((c) => /^cn\d+$/.test(c))).toBe(true);
    }
  });

  it('names the line of a bad timestamp or token count', async () => {
    const bad = fixture('azure-bad.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,3,4\nsoon,3,4\n');
    const e = await errorOf(convert('azure-llm', bad));
    expect(e.message).toBe(`${bad}:3 field 'TIMESTAMP': expected a timestamp like 2023-11-16 18:15:46.6805900 or a number, got 'soon'`);
    const neg = fixture('azure-neg.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,-3,4\n');
    expect((await errorOf(convert('azure-llm', neg))).message).toContain(`${neg}:2 field 'ContextTokens'`);
    const moe = await errorOf(convert('azure-llm', `${FIX}/azure-llm.csv`, { kind: 'moe' }));
    expect(moe.message).toContain('edit or t2i');
  });
});

describe('trace import katz', () => {
  it('maps entries to t2i rows sorted by time, quoting ids that need it', async () => {
    expect(await convert('katz', `${FIX}/katz.json`)).toEqual([
      'arrival_s,request,loras,controlnets,model',
      '0,1,,,sdxl-base',
      '3.75,2,1234,canny|depth,sd15',
      '3.75,3,"x,y",openpose,sd15',
      '10.25,0,anime-v2|detail,canny,sdxl-base',
    ]);
  });

  it('reads JSON lines and names the line of a bad entry', async () => {
    const jl = fixture('k.jsonl', '{"timestamp": 5, "loras": ["a"], "controlnets": [], "base_model_id": 7}\n{"timestamp": 6, "loras": "a", "controlnets": []}\n');
    const e = await errorOf(convert('katz', jl));
    expect(e.message).toBe(`${jl}:2 field 'entry 1.loras': expected a list of ids, got "a"`);
    const pipe = fixture('k.json', '[{"timestamp": 1, "loras": ["a|b"]}]');
    expect((await errorOf(convert('katz', pipe))).message).toContain("field '[0].loras'");
  });
});

describe('trace import gentd26-lora', () => {
  it('maps rows to t2i with group-scoped LoRA ids, steps and model', async () => {
    expect(await convert('gentd26-lora', `${FIX}/gentd26-lora.csv`)).toEqual([
      'arrival_s,request,loras,controlnets,steps,model',
      '0,3,g305-l0|g305-l1,,50,1001',
      '2,2,g771-l0,,30,1001',
      '6,4,,,25,2002',
      '7,5,g305-l0|g305-l1,,30,1001',
    ]);
  });

  it('filters on --status and keeps request ids stable', async () => {
    expect((await convert('gentd26-lora', `${FIX}/gentd26-lora.csv`, { status: 'success' })).slice(1)).toEqual([
      '0,3,g305-l0|g305-l1,,50,1001',
      '2,2,g771-l0,,30,1001',
      '7,5,g305-l0|g305-l1,,30,1001',
    ]);
  });

  it('rejects a missing column with the header line', async () => {
    const bad = fixture('g.csv', 'gmt_create,num_lora\n2024-05-01 12:00:03,1\n');
    expect((await errorOf(convert('gentd26-lora', bad))).message).toMatch(new RegExp(`^${bad}:1 field '\\w+': missing required column`));
  });
});

describe('trace import routing-lines', () => {
  it('splits tokens by layer count and requests at prefill lines', async () => {
    expect(await convert('routing-lines', `${FIX}/routing-lines.txt`, { layers: 2 })).toEqual([
      'request,token,layer,experts',
      '0,0,0,0|1|2|3',
      '0,0,1,3|2|1|0',
      '0,1,0,1|2',
      '0,1,1,0|3',
      '0,2,0,1|3',
      '0,2,1,0|3',
      '1,0,0,0|1|2|3',
      '1,0,1,0|1|2|3',
      '1,1,0,2|0',
      '1,1,1,1|2',
    ]);
  });

  it('with --experts larger than any line lists, there is no prefill and one request', async () => {
    const lines = await convert('routing-lines', `${FIX}/routing-lines.txt`, { layers: 2, experts: 8 });
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0]))).toEqual(new Set(['0']));
  });

  it('reports a log that ends inside a token, bad ids and a missing --layers', async () => {
    const e = await errorOf(convert('routing-lines', `${FIX}/routing-lines.txt`, { layers: 3 }));
    expect(e.message).toBe(`${FIX}/routing-lines.txt:12: the log ends inside a token: 10 routing lines is not a multiple of --layers 3`);
    const bad = fixture('r.txt', '0,1\n1,x\n');
    expect((await errorOf(convert('routing-lines', bad, { layers: 1 }))).message).toBe(`${bad}:2: expected comma-separated expert ids (integers >= 0), got 'x'`);
    const dup = fixture('d.txt', '0,0\n');
    expect((await errorOf(convert('routing-lines', dup, { layers: 1 }))).message).toBe(`${dup}:1: expert 0 listed twice`);
    expect((await errorOf(convert('routing-lines', dup, { layers: 1, experts: 1 }))).message).toContain('listed twice');
    const big = fixture('b.txt', '0,5\n');
    expect((await errorOf(convert('routing-lines', big, { layers: 1, experts: 4 }))).message).toBe(`${big}:1: expert id 5 is not below --experts 4`);
    expect((await errorOf(convert('routing-lines', `${FIX}/routing-lines.txt`))).message).toContain('needs --layers');
    expect((await errorOf(convert('routing-lines', join(dir, 'nope.txt'), { layers: 1 }))).message).toContain('cannot read (ENOENT)');
  });
});
