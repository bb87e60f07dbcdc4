import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editTrace, generateEditRows, readEditTrace, zipfExponent, type EditRow } from '../../../src/workloads/edit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-editgen-'));

function stats(xs: number[]) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  const sorted = [...xs].sort((a, b) => a - b);
  return { mean: m, sd, median: sorted[Math.floor(xs.length / 2)]! };
}

describe('generateEditRows(params, seed)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = [...generateEditRows({ requests: 200 }, 7)];
    const b = [...generateEditRows({ requests: 200 }, 7)];
    const c = [...generateEditRows({ requests: 200 }, 8)];
    expect(a).toEqual(b);
    expect(a.map((r) => r.arrival)).not.toEqual(c.map((r) => r.arrival));
  });

  it('draws Poisson arrivals at the target rate (gap CV ~1) and bursty gamma arrivals (CV as set)', () => {
    const gaps = (rows: EditRow[]) => rows.slice(1).map((r, i) => r.arrival - rows[i]!.arrival);
    const p = stats(gaps([...generateEditRows({ requests: 20000, rps: 4 }, 1)]));
    expect(1 / p.mean).toBeCloseTo(4, 0);
    expect(p.sd / p.mean).toBeGreaterThan(0.97);
    expect(p.sd / p.mean).toBeLessThan(1.03);
    const g = stats(gaps([...generateEditRows({ requests: 20000, rps: 4, process: 'gamma', cv: 3 }, 1)]));
    expect(1 / g.mean).toBeGreaterThan(3.6);
    expect(1 / g.mean).toBeLessThan(4.4);
    expect(g.sd / g.mean).toBeGreaterThan(2.7);
    expect(g.sd / g.mean).toBeLessThan(3.3);
  });

  it('fits the mask-ratio Beta to the mean, right-skewed (mean above median), inside [0, 1]', () => {
    for (const mean of [0.11, 0.15, 0.19]) {
      const xs = [...generateEditRows({ requests: 20000, mask_mean: mean }, 3)].map((r) => r.maskRatio);
      const s = stats(xs);
      expect(s.mean).toBeCloseTo(mean, 2);
      expect(s.mean).toBeGreaterThan(s.median);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    }
  });

  it('mask_scale multiplies each drawn mask ratio and caps it at 1, on the same random draws', () => {
    const base = [...generateEditRows({ requests: 2000, mask_mean: 0.11 }, 5)];
    const x3 = [...generateEditRows({ requests: 2000, mask_mean: 0.11, mask_scale: 3 }, 5)];
    let capped = 0;
    base.forEach((r, i) => {
      // Same arrivals and templates (common random numbers); the mask is min(1, 3 m) exactly.
      expect(x3[i]!.arrival).toBe(r.arrival);
      expect(x3[i]!.template).toBe(r.template);
      expect(x3[i]!.maskRatio).toBe(Math.min(1, 3 * r.maskRatio));
      if (3 * r.maskRatio > 1) capped++;
    });
    // Beta(1.1, 8.9) puts P(m > 1/3) at 3.2%: about 65 of 2,000 rows are capped.
    expect(capped).toBeGreaterThan(30);
    expect(capped).toBeLessThan(110);
    // The default (1) leaves the rows as they were.
    expect([...generateEditRows({ requests: 50, mask_scale: 1 }, 5)]).toEqual([...generateEditRows({ requests: 50 }, 5)]);
  });

  it('draws templates Zipf over the catalogue: rank 1 most popular, fitted exponent near the setting', () => {
    const rows = [...generateEditRows({ requests: 50000, templates: 20, template_skew: 1 }, 4)];
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.template, (counts.get(r.template) ?? 0) + 1);
    expect(counts.size).toBe(20);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    expect(sorted[0]![0]).toBe('t0');
    expect(zipfExponent(sorted.map(([, n]) => n))).toBeCloseTo(1, 1);
  });

  it("fills steps and resolution from the model, and overrides them when asked", () => {
    const [flux] = [...generateEditRows({ requests: 1, model: 'flux' }, 1)];
    expect(flux).toMatchObject({ steps: 28, width: 1024, height: 1024, model: 'flux' });
    const [sd] = [...generateEditRows({ requests: 1, model: 'sd2.1', steps: 20 }, 1)];
    expect(sd).toMatchObject({ steps: 20, width: 512, height: 512, model: 'sd2.1' });
    const [plain] = [...generateEditRows({ requests: 1 }, 1)];
    expect(plain!.steps).toBeUndefined();
    expect(plain!.model).toBeUndefined();
  });

  it('rejects bad parameters through the schema', () => {
    expect(() => editTrace.genSchema.parse({ mask_mean: 1.2 })).toThrow();
    expect(() => editTrace.genSchema.parse({ width: 512 })).toThrow(/width and height/);
    expect(() => editTrace.genSchema.parse({ templatez: 3 })).toThrow();
  });
});

describe('editTrace: toCsv / read / inspect', () => {
  it('round-trips generated rows through CSV (times to 1 us, masks to 1e-6)', async () => {
    const rows = [...editTrace.generate({ requests: 300, model: 'sdxl' }, 5)];
    const p = join(dir, 'rt.csv');
    writeFileSync(p, [editTrace.header(), ...rows.map(editTrace.toCsv)].join('\n') + '\n');
    const back: EditRow[] = [];
    for await (const r of readEditTrace(p)) back.push(r);
    expect(back).toHaveLength(300);
    back.forEach((r, i) => {
      const g = rows[i]!;
      expect(r.request).toBe(g.request);
      expect(r.template).toBe(g.template);
      expect(Math.abs(r.arrival - g.arrival)).toBeLessThanOrEqual(5e-7);
      expect(Math.abs(r.maskRatio - g.maskRatio)).toBeLessThanOrEqual(5e-7);
      expect([r.steps, r.width, r.height, r.model]).toEqual([50, 1024, 1024, 'sdxl']);
    });
  });

  it('inspect() reports rows, rate, burstiness, template skew and the mask distribution', async () => {
    const rows = [...editTrace.generate({ requests: 5000, rps: 2, templates: 10, mask_mean: 0.15 }, 9)];
    const p = join(dir, 'inspect.csv');
    writeFileSync(p, [editTrace.header(), ...rows.map(editTrace.toCsv)].join('\n') + '\n');
    const s = await editTrace.inspect(p);
    expect(s.rows).toBe(5000);
    expect(s.rate_per_s as number).toBeGreaterThan(1.85);
    expect(s.rate_per_s as number).toBeLessThan(2.15);
    expect(s.interarrival_cv as number).toBeGreaterThan(0.9);
    expect(s.interarrival_cv as number).toBeLessThan(1.1);
    expect(s.templates).toBe(10);
    expect(s.top_template_share as number).toBeGreaterThan(0.3); // 1/H(10) = 0.34
    expect(s.mask_mean as number).toBeCloseTo(0.15, 2);
    expect(s.mask_p50 as number).toBeLessThan(s.mask_mean as number);
    expect(s.mask_p95 as number).toBeGreaterThan(s.mask_mean as number);
  });
});
