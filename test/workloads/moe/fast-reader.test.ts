// The fast MoE trace reader (moeTraceRows) against the csv-parse reader it replaced
// (readMoeTraceCsv): the same rows on the shipped and generated traces, the same rows on valid but
// unusual CSV (quotes, spaces, CRLF, a BOM, '1.0', exponents), and the same one-line error, naming
// file, line and field, on bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { generateMoeRows, MOE_HEADER, moeRowToCsv, moeTraceRows, readMoeTraceCsv, type MoeReadOptions, type MoeRow } from '../../../src/workloads/moe/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-moe-fast-'));
let n = 0;
function file(text: string | Buffer): string {
  const p = join(dir, `t${n++}.csv`);
  writeFileSync(p, text);
  return p;
}

type Outcome = { rows: MoeRow[] } | { error: string };

function fast(p: string, opts?: MoeReadOptions): Outcome {
  const rows: MoeRow[] = [];
  try {
    for (const r of moeTraceRows(p, opts)) rows.push(r);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { error: e.message.replace(p, 'F') };
  }
  return { rows };
}

/** The same reader through nextColumns (no row objects: what the simulator's feeder reads), rebuilt into rows. */
function columns(p: string, opts?: MoeReadOptions): Outcome {
  const rows: MoeRow[] = [];
  const list = (a: ArrayLike<number>, s: number, e: number) => Array.from({ length: e - s }, (_, i) => a[s + i]!);
  const sink = {
    row(request: number, token: number, layer: number, arrival: number | undefined, ex: ArrayLike<number>, s: number, e: number, w: ArrayLike<number> | null, pr: ArrayLike<number> | null, ps: number, pe: number) {
      rows.push({ request, token, layer, experts: list(ex, s, e), weights: w ? list(w, s, e) : undefined, predicted: pe >= 0 ? list(pr!, ps, pe) : undefined, arrival_s: arrival });
    },
  };
  try {
    const it = moeTraceRows(p, opts);
    while (it.nextColumns(sink));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { error: e.message.replace(p, 'F') };
  }
  return { rows };
}

async function reference(p: string, opts?: MoeReadOptions): Promise<Outcome> {
  const rows: MoeRow[] = [];
  try {
    for await (const r of readMoeTraceCsv(p, opts)) rows.push(r);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { error: e.message.replace(p, 'F') };
  }
  return { rows };
}

/** Both readers on `text`: the same outcome, returned. */
async function same(text: string | Buffer, opts: MoeReadOptions = { layers: 2, experts: 4, topK: 2 }): Promise<Outcome> {
  const p = file(text);
  const want = await reference(p, opts);
  const got = fast(p, opts);
  // toStrictEqual: undefined keys, array contents and every float's bits (Object.is) must agree.
  expect(got).toStrictEqual(want);
  expect(columns(p, opts)).toStrictEqual(want);
  return got;
}

const H = 'request,token,layer,experts,weights,predicted,arrival_s\n';
const T = '0,0,0,1|2,0.25|0.75,,0.5\n0,0,1,3,1,2,\n';

describe('moeTraceRows (fast reader) against readMoeTraceCsv (csv-parse)', () => {
  it('reads the shipped sample trace to the same rows, float for float', async () => {
    const p = join(import.meta.dirname, '..', '..', '..', 'traces', 'moe-sample.csv');
    const opts = { layers: 32, experts: 8, topK: 2 };
    const got = fast(p, opts);
    expect(got).toStrictEqual(await reference(p, opts));
    expect(columns(p, opts)).toStrictEqual(got);
    expect((got as { rows: MoeRow[] }).rows).toHaveLength(2016);
  });

  it('reads a generated trace (weights, predictions, arrivals, prefill rows) to the rows written', async () => {
    const rows = [...generateMoeRows({ tokens: 300, request_tokens: 40, rps: 2, predictor_accuracy: 0.7, prefill: true, prompt_tokens: 16, layers: 4 }, 5)];
    // Chunks are 1 MiB: a long file crosses chunk boundaries mid-line.
    const text = [MOE_HEADER, ...rows.map(moeRowToCsv)].join('\n') + '\n';
    const got = await same(text, { layers: 4, experts: 8, topK: 2 });
    expect(got).toStrictEqual({ rows });
  });

  it('crosses chunk boundaries mid-line (a 3 MB trace) and counts the bytes read', async () => {
    const lines = [H.trimEnd()];
    for (let t = 0; t < 40_000; t++) for (let l = 0; l < 2; l++) lines.push(`0,${t},${l},${(t + l) % 4}|${(t + l + 1) % 4},0.123456789|0.876543211,${t % 4},${t === 0 && l === 0 ? '0' : ''}`);
    const text = lines.join('\n');
    const got = await same(text);
    expect((got as { rows: MoeRow[] }).rows).toHaveLength(80_000);
    const it = moeTraceRows(file(text), { layers: 2, experts: 4 });
    let rows = 0;
    for (const _ of it) rows++;
    expect(rows).toBe(80_000);
    expect(it.bytesRead).toBe(Buffer.byteLength(text));
  });

  it('agrees on valid but unusual CSV', async () => {
    const cases = [
      H + T,
      H + T.trimEnd(), // no final newline
      'request,token,layer,experts\n0,0,0,1\n0,0,1,2\n', // minimal columns
      'experts,layer,token,request\n1|2,0,0,0\n3,1,0,0\n', // columns in another order
      '\uFEFF' + H + T, // a byte-order mark
      '\n' + H + '\n' + T + '\n\n', // empty lines
      H + '   \n' + T, // a line of spaces
      H + ' 0 , 0 ,0, 1 | 2 ,0.25|0.75,,0.5\n0,0,1,3,1,2,\n', // spaces around cells and items
      H + '0,0,0,1|2,0.25|0.75,,5e-1\n0,0,1.0,3,1,2,\n', // an exponent, '1.0'
      H + '0,0,0,01|2,.25|.75,,0.50\n0,0,1,3,1.,2,\n', // leading zeros, '.25', '1.'
      H + '0,0,0,"1|2",0.25|0.75,,0.5\n0,0,1,3,1,2,\n', // a quoted cell: csv-parse from there on
      H + '0,0,0,1|2,0.25|0.75,,0.5\n"0",0,1,3,1,2,\n',
      H.replace('\n', '\r\n') + T.replaceAll('\n', '\r\n'), // CRLF
      H + T.replace('0.25', '0.1234567890123456789'), // more digits than the bytes path takes
      H + '0,0,0,1|2,0.25|0.75,,0.5\n0,0,1,3,1,2,\n1,0,0,0,,,1\n1,0,1,0,,,\n',
    ];
    for (const c of cases) {
      const got = await same(c);
      expect(got, JSON.stringify(c)).toHaveProperty('rows');
    }
  });

  it('gives the same one-line error (file, line, field) on bad input', async () => {
    const bad: [string, string | RegExp][] = [
      [H + '0,0,0,1|4,,,\n', "F:2 field 'experts': expected integers <= 3, got '1|4'"],
      [H + '0,0,0,1|1,,,\n', "F:2 field 'experts': expert 1 listed twice"],
      [H + '0,0,0,,,,\n', "F:2 field 'experts': expected at least one expert id"],
      [H + '0,0,0,1||2,,,\n', /F:2 field 'experts': expected '\|'-separated values/],
      [H + '0,0,0,1|2,0.5,,\n', "F:2 field 'weights': 1 weights for 2 experts"],
      [H + '0,0,0,1|2,-1|2,,\n', /F:2 field 'weights': expected numbers >= 0/],
      [H + '0,0,0,1|2,0|0,,\n', "F:2 field 'weights': weights sum to 0"],
      [H + '0,0,0,1,,9,\n', /F:2 field 'predicted': expected integers <= 3/],
      [H + '0,0,2,1,,,\n', /F:2 field 'layer': expected a number <= 1/],
      [H + 'x,0,0,1,,,\n', /F:2 field 'request': expected a finite number/],
      [H + '0,0,0,1,,,-1\n', /F:2 field 'arrival_s': expected a number >= 0/],
      [H + '0,0,0,1,,\n', /F:2 field 'arrival_s': 6 cells for 7 columns/],
      [H + '0,0,0,1,,,,\n', /F:2 field 'column 8': 8 cells for 7 columns/],
      [H + T + '0,1,0,1,,,\n0,1,1,1\n', /F:5 field 'weights': 4 cells for 7 columns/],
      [H + '0,0,1,1,,,\n', "F:2 field 'layer': request 0 starts at layer 1, expected 0"],
      [H + '0,0,0,1,,,\n', "F:2 field 'layer': file ends inside token 0 of request 0: layers 0..0 of 2"],
      [H + '0,0,0,1,,,0.5\n0,0,1,1,,,1\n', "F:3 field 'arrival_s': arrival_s only belongs on a request's first row"],
      [H + T + '0,2,0,1,,,\n', "F:4 field 'token': token 2 follows token 0 of request 0 (tokens must be consecutive)"],
      [H + '0,0,0,"1,,,\n', /F:\d+ field '\w+': unclosed quote/],
      [H + '0,0,0,1\u00e9,,,\n', /F:2 field 'experts'/],
      [Buffer.concat([Buffer.from(H + '0,0,0,1,'), Buffer.from([0xff, 0xfe]), Buffer.from(',,\n')]), "F:2 field 'weights': invalid UTF-8 in cell"],
      ['request,token,layer\n0,0,0\n', "F:1 field 'experts': missing required column 'experts'"],
      ['request,token,layer,experts,bogus\n', /F:1 field 'bogus': unknown column 'bogus'/],
      ['', /F: empty file: expected a header/],
      [H + '0,0,0,' + '1|'.repeat(600_000) + '2,,,\n', /F:2 field 'experts': line longer than 1048576 bytes/],
    ];
    for (const [text, want] of bad) {
      const got = await same(text);
      expect(got, JSON.stringify(text).slice(0, 80)).toHaveProperty('error');
      const msg = (got as { error: string }).error;
      expect(msg).toMatch(want);
      expect(msg).not.toContain('\n');
    }
  });

  it('parses in batches of rows: the same rows and errors past a batch boundary, read lazily', async () => {
    // 3000 lines (2 layers a token), far below a 1 MiB chunk: several 1024-row batches in one chunk.
    let text = H;
    for (let t = 0; t < 1500; t++) text += `0,${t},0,${t % 4}|${(t + 1) % 4},0.5|0.5,,${t === 0 ? '0' : ''}\n0,${t},1,${(t + 2) % 4},1,,\n`;
    const ok = await same(text);
    expect((ok as { rows: MoeRow[] }).rows).toHaveLength(3000);
    // A bad row past the first batch: the same error; the rows before it are handed out first.
    const lines = text.split('\n');
    lines[2501] = '0,1250,0,9,1,,';
    const bad = lines.join('\n');
    const got = await same(bad);
    expect((got as { error: string }).error).toMatch(/^F:2502 field 'experts'/);
    let before = 0;
    expect(() => {
      for (const _ of moeTraceRows(file(bad), { layers: 2, experts: 4, topK: 2 })) before++;
    }).toThrow(InputError);
    expect(before).toBeGreaterThanOrEqual(2048);
    expect(before).toBeLessThan(2500);
  });

  it('names a file it cannot read', () => {
    const p = join(dir, 'missing.csv');
    expect(() => [...moeTraceRows(p)]).toThrow(new InputError('cannot read trace (ENOENT)', { file: p }));
  });
});
