import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipfWeights } from '../../../src/engine/distributions.js';
import { mixKey, t2iGenSchema, t2iTrace, type T2iRow } from '../../../src/workloads/t2i/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-t2i-gen-'));
const gen = (p: object, seed = 1) => [...t2iTrace.generate(t2iGenSchema.parse(p), seed)];

function write(rows: T2iRow[], name: string): string {
  const p = join(dir, name);
  writeFileSync(p, [t2iTrace.header(), ...rows.map((r) => t2iTrace.toCsv(r))].join('\n') + '\n');
  return p;
}

describe('t2iTrace.generate(params, seed)', () => {
  const rows = gen({ requests: 100_000, rps: 2 });

  it('is deterministic per seed and differs across seeds', () => {
    expect(gen({ requests: 500 }, 7)).toEqual(gen({ requests: 500 }, 7));
    expect(gen({ requests: 500 }, 7)).not.toEqual(gen({ requests: 500 }, 8));
  });

  it("reproduces service A's adapter mixes: 30.5/69.5% one/two ControlNets, 8.8/91% one/two LoRAs", () => {
    const share = (f: (r: T2iRow) => boolean) => rows.filter(f).length / rows.length;
    // 4 standard errors at n = 100k is under 0.6 points.
    expect(share((r) => r.controlnets.length === 1)).toBeCloseTo(0.305, 2);
    expect(share((r) => r.controlnets.length === 2)).toBeCloseTo(0.695, 2);
    expect(share((r) => r.loras.length === 1)).toBeCloseTo(0.088, 2);
    expect(share((r) => r.loras.length === 2)).toBeCloseTo(0.91, 2);
    expect(share((r) => mixKey(r.controlnets.length, r.loras.length) === '2C/2L')).toBeCloseTo(0.695 * 0.91, 2);
  });

  it('gives the top 5 ControlNets 98% of uses', () => {
    const uses = new Map<string, number>();
    let total = 0;
    for (const r of rows) for (const c of r.controlnets) (uses.set(c, (uses.get(c) ?? 0) + 1), total++);
    const top5 = [...uses.values()].sort((a, b) => b - a).slice(0, 5).reduce((a, b) => a + b, 0);
    expect(top5 / total).toBeGreaterThan(0.975);
    expect(top5 / total).toBeLessThan(0.985);
  });

  it('draws LoRAs from a long tail: distinct count matches the Zipf expectation', () => {
    const seen = new Set<string>();
    let draws = 0;
    for (const r of rows) for (const l of r.loras) (seen.add(l), draws++);
    // E[distinct] = sum_i 1 - (1 - p_i)^draws (draws within a request are distinct: a tiny effect).
    const w = zipfWeights(7000, 1.0);
    const sum = w.reduce((a, b) => a + b, 0);
    let expected = 0;
    for (const x of w) expected += 1 - Math.pow(1 - x / sum, draws);
    expect(Math.abs(seen.size - expected) / expected).toBeLessThan(0.01);
    expect(seen.size).toBeGreaterThan(6000); // most of the ~7,000 appear: a long tail, not a few hot ones
  });

  it('keeps adapters distinct within a request and arrivals sorted at the requested rate', () => {
    const dup = rows.filter((r) => new Set(r.loras).size !== r.loras.length || new Set(r.controlnets).size !== r.controlnets.length);
    expect(dup).toEqual([]);
    let sorted = true;
    for (let i = 1; i < rows.length; i++) if (rows[i]!.arrival_s < rows[i - 1]!.arrival_s) sorted = false;
    expect(sorted).toBe(true);
    const rate = rows.length / rows[rows.length - 1]!.arrival_s;
    expect(rate).toBeCloseTo(2, 1);
  });

  it('honours custom mixes, catalogue sizes, duration and per-request overrides', () => {
    const r = gen({ requests: 1000, rps: 10, duration_s: 20, loras: { count: 3, mix: [0, 0, 0, 1] }, controlnets: { mix: [1] }, steps: 30, width: 768, height: 512, model: 'sd15' });
    expect(r.length).toBeGreaterThan(150);
    expect(r.every((x) => x.arrival_s <= 20)).toBe(true);
    expect(r.every((x) => x.loras.length === 3 && x.controlnets.length === 0)).toBe(true);
    expect(r[0]).toMatchObject({ steps: 30, width: 768, height: 512, model: 'sd15' });
  });

  it('rejects mixes that ask for more distinct adapters than exist, and half a resolution', () => {
    expect(() => t2iGenSchema.parse({ loras: { count: 1, mix: [0, 0, 1] } })).toThrow(/more distinct LoRAs/);
    expect(() => t2iGenSchema.parse({ width: 512 })).toThrow(/width and height/);
    expect(() => t2iGenSchema.parse({ lora: {} })).toThrow();
  });
});

describe('t2iTrace.toCsv(row) / read(file)', () => {
  it('round-trips generated rows exactly', async () => {
    const rows = gen({ requests: 300, steps: 25, width: 1024, height: 768, model: 'sdxl' }, 3).concat(gen({ requests: 200 }, 4).map((r) => ({ ...r, arrival_s: r.arrival_s + 1e6 })));
    const p = write(rows, 'round.csv');
    const back: T2iRow[] = [];
    for await (const r of t2iTrace.read(p)) back.push(r);
    expect(back).toEqual(rows);
  });
});

describe('t2iTrace.inspect(file)', () => {
  it('reports size, rate, mixes and popularity', async () => {
    const rows: T2iRow[] = [
      { arrival_s: 0, request: 'a', loras: ['x', 'y'], controlnets: ['c1'] },
      { arrival_s: 1, request: 'b', loras: ['x'], controlnets: ['c1', 'c2'] },
      { arrival_s: 3, request: 'c', loras: [], controlnets: [], steps: 20 },
      { arrival_s: 4, request: 'd', loras: ['x'], controlnets: ['c1'], steps: 40, width: 512, height: 512 },
    ];
    const s = await t2iTrace.inspect(write(rows, 'inspect.csv'));
    expect(s).toMatchObject({
      rows: 4,
      duration_s: 4,
      rate_per_s: 0.75,
      'mix_share.1C/2L': 0.25,
      'mix_share.2C/1L': 0.25,
      'mix_share.0C/0L': 0.25,
      'mix_share.1C/1L': 0.25,
      'lora_count_share.1': 0.5,
      'controlnet_count_share.2': 0.25,
      lora_uses: 4,
      distinct_loras: 2,
      top10_lora_share: 1,
      top1pct_lora_share: 0.75,
      controlnet_uses: 4,
      distinct_controlnets: 2,
      top5_controlnet_share: 1,
      mean_steps: 30,
      resolutions: '512x512',
    });
  });
});
