import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { generateMoeRows, MOE_HEADER, moeRowToCsv, moeTrace, readMoeTrace, type MoeReadOptions, type MoeRow } from '../../../src/workloads/moe/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-moe-trace-'));
let n = 0;
function file(text: string): string {
  const p = join(dir, `t${n++}.csv`);
  writeFileSync(p, text);
  return p;
}
async function read(p: string, opts?: MoeReadOptions): Promise<MoeRow[]> {
  const out: MoeRow[] = [];
  for await (const r of readMoeTrace(p, opts)) out.push(r);
  return out;
}
async function errorOf(text: string, opts: MoeReadOptions = { layers: 2, experts: 4, topK: 2 }): Promise<string> {
  const p = file(text);
  try {
    await read(p, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message.replace(p, 'F');
  }
  throw new Error('expected an InputError');
}

const H = 'request,token,layer,experts,weights,predicted,arrival_s\n';

describe('readMoeTrace(file, opts)', () => {
  it('round-trips what the generator wrote (moeTrace.header/toCsv)', async () => {
    const rows = [...generateMoeRows({ tokens: 40, request_tokens: 15, rps: 1, predictor_accuracy: 0.5, prefill: true, prompt_tokens: 16, layers: 4 }, 2)];
    const p = file([moeTrace.header(), ...rows.map(moeTrace.toCsv)].join('\n') + '\n');
    expect(await read(p, { layers: 4, experts: 8, topK: 2 })).toEqual(rows);
    expect(moeTrace.header()).toBe(MOE_HEADER);
  });

  it('accepts the minimal columns; missing weights mean equal weights', async () => {
    const rows = await read(file('request,token,layer,experts\n0,0,0,1|2\n0,0,1,3\n0,1,0,0\n0,1,1,1\n'));
    expect(rows[0]).toEqual({ request: 0, token: 0, layer: 0, experts: [1, 2] });
    expect(rows).toHaveLength(4);
  });

  it('names file, line and field for each kind of bad row', async () => {
    expect(await errorOf(H + '0,0,0,1|4,,,\n')).toBe("F:2 field 'experts': expected integers <= 3, got '1|4'");
    expect(await errorOf(H + '0,0,0,1|1,,,\n')).toBe("F:2 field 'experts': expert 1 listed twice");
    expect(await errorOf(H + '0,0,0,,,,\n')).toBe("F:2 field 'experts': expected at least one expert id");
    expect(await errorOf(H + '0,0,0,1|2,0.5,,\n')).toBe("F:2 field 'weights': 1 weights for 2 experts");
    expect(await errorOf(H + '0,0,0,1|2,-1|2,,\n')).toMatch(/F:2 field 'weights': expected numbers >= 0/);
    expect(await errorOf(H + '0,0,0,1|2,0|0,,\n')).toBe("F:2 field 'weights': weights sum to 0");
    expect(await errorOf(H + '0,0,0,1,,9,\n')).toMatch(/F:2 field 'predicted': expected integers <= 3/);
    expect(await errorOf(H + '0,0,2,1,,,\n')).toMatch(/F:2 field 'layer': expected a number <= 1/);
    expect(await errorOf(H + 'x,0,0,1,,,\n')).toMatch(/F:2 field 'request': expected a finite number/);
  });

  it('checks order: layers in sequence, consecutive tokens, whole tokens, contiguous requests', async () => {
    expect(await errorOf(H + '0,0,1,1,,,\n')).toBe("F:2 field 'layer': request 0 starts at layer 1, expected 0");
    expect(await errorOf(H + '0,0,0,1,,,\n0,0,0,2,,,\n')).toBe("F:3 field 'layer': layer 0 follows layer 0 in token 0 of request 0 (expected 1)");
    expect(await errorOf(H + '0,0,0,1,,,\n0,1,0,2,,,\n')).toBe("F:3 field 'token': token 0 of request 0 ended after layer 0 of 2");
    expect(await errorOf(H + '0,0,0,1,,,\n0,0,1,1,,,\n0,2,0,1,,,\n')).toBe("F:4 field 'token': token 2 follows token 0 of request 0 (tokens must be consecutive)");
    expect(await errorOf(H + '0,0,0,1,,,\n0,0,1,1,,,\n1,0,0,1,,,\n1,0,1,1,,,\n0,1,0,1,,,\n')).toBe(
      "F:6 field 'request': request 0 appears again after other requests' rows (a request's rows must be contiguous)",
    );
    expect(await errorOf(H + '0,0,0,1,,,\n')).toBe("F:2 field 'layer': file ends inside token 0 of request 0: layers 0..0 of 2");
    // Without the model, L comes from the first token.
    expect(await errorOf(H + '0,0,0,1,,,\n0,0,1,1,,,\n0,1,0,1,,,\n0,2,0,1,,,\n', {})).toBe("F:5 field 'token': token 1 of request 0 ended after layer 0 of 2");
  });

  it('checks arrivals: first row only, all requests or none, in order', async () => {
    const ok = '0,0,0,1,,,0.5\n0,0,1,1,,,\n';
    expect(await errorOf(H + '0,0,0,1,,,0.5\n0,0,1,1,,,1\n')).toBe("F:3 field 'arrival_s': arrival_s only belongs on a request's first row");
    expect(await errorOf(H + ok + '1,0,0,1,,,\n1,0,1,1,,,\n')).toBe("F:4 field 'arrival_s': request 1 has no arrival_s on its first row (earlier requests have one)");
    expect(await errorOf(H + ok + '1,0,0,1,,,0.25\n1,0,1,1,,,\n')).toBe(
      "F:4 field 'arrival_s': arrival 0.25 s is before the previous request's 0.5 s (requests must be in arrival order)",
    );
    expect(await errorOf(H + '0,0,0,1,,,\n0,0,1,1,,,\n1,0,0,1,,,2\n1,0,1,1,,,\n')).toBe("F:4 field 'arrival_s': arrival_s on request 1 but not on earlier requests");
  });

  it('rejects a model whose top-k exceeds its expert count, and unknown columns', async () => {
    expect(await errorOf(H, { experts: 4, topK: 6 })).toBe('F: top-k 6 is larger than the model\'s expert count 4');
    expect(await errorOf('request,token,layer,experts,gates\n')).toMatch(/F:1 field 'gates': unknown column 'gates'/);
  });
});

describe('moeTrace.inspect(file)', () => {
  it('reports rows, tokens, requests and routing statistics, inferring top-k past prefill rows', async () => {
    const rows = [...generateMoeRows({ tokens: 600, request_tokens: 200, rps: 4, prefill: true, layers: 8 }, 1)];
    const p = file([MOE_HEADER, ...rows.map(moeRowToCsv)].join('\n') + '\n');
    const s = await moeTrace.inspect(p);
    expect(s).toMatchObject({ rows: rows.length, requests: 3, decode_tokens: 600, prefill_rows: 24, layers: 8, top_k: 2, max_expert_id: 7 });
    expect(Math.abs((s.repeat_rate as number) - 0.33)).toBeLessThan(0.03);
    expect(s.arrival_rate_per_s).toBeGreaterThan(0);
  });
});
