import { describe, expect, it } from 'vitest';
import { refitLinks } from './links.js';
import type { FitRow } from './report.js';
import type { TransferSample } from './transfers.js';
import { linkFitSchema } from '../../src/hardware/profile.js';

/** Transfers timed at a known price, five equal repeats each. */
function timed(link: TransferSample['link'], price: (b: number) => number): TransferSample[] {
  return [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((k) => {
    const bytes = k << 20;
    const t = price(bytes);
    return { link, bytes, seconds: [t, t, t, t, t], median_s: t, spread: 0 };
  });
}

const row = (key: string): FitRow => ({ key, model: 'stale', samples: 1, r2: 0, r2_linear: NaN, holdout_error: 1, candidates: {}, summary: 'stale' });

describe('refitLinks(profile)', () => {
  it('refits the links from the profile\'s own transfers and replaces their report rows in place, nothing else', () => {
    const profile = {
      transfers: [...timed('h2d', (b) => 20e-6 + b / 3.2e9), ...timed('d2h', (b) => 40e-6 + b / 1.5e9)],
      links: { h2d: { bandwidth: 9e9, latency_s: 0 }, d2h: { bandwidth: 9e9, latency_s: 0 }, nvlink: { bandwidth: 1e11, latency_s: 1e-6 } },
      fit_report: [row('gemm_f32'), row('link h2d'), row('link d2h'), row('link h2d_mapped')],
      overlap: 0.5,
    };
    const out = refitLinks(profile);
    expect(out.links.h2d!.bandwidth / 3.2e9).toBeCloseTo(1, 9);
    expect(out.links.h2d!.latency_s / 20e-6).toBeCloseTo(1, 9);
    expect(out.links.d2h!.bandwidth / 1.5e9).toBeCloseTo(1, 9);
    expect(out.links.nvlink).toEqual(profile.links.nvlink); // no transfers timed: kept
    expect(linkFitSchema.safeParse(out.links.h2d).success).toBe(true);
    // Rows keep their order; a link with no transfers keeps its row as it was.
    expect(out.fit_report.map((r) => r.key)).toEqual(['gemm_f32', 'link h2d', 'link d2h', 'link h2d_mapped']);
    expect(out.fit_report[0]).toBe(profile.fit_report[0]);
    expect(out.fit_report[3]).toBe(profile.fit_report[3]);
    expect(out.fit_report[1]!.summary).toBe('3.200 GB/s + 20.0 us');
    expect(out.fit_report[1]!.samples).toBe(10);
    expect(out.overlap).toBe(0.5);
    expect(profile.links.h2d.bandwidth).toBe(9e9); // the input is not modified
  });

  it('appends the row of a link the report lacked', () => {
    const out = refitLinks({ transfers: timed('h2d_mapped', (b) => 25e-6 + b / 3.4e9), links: {}, fit_report: [row('gemm_f32')] });
    expect(out.fit_report.map((r) => r.key)).toEqual(['gemm_f32', 'link h2d_mapped']);
    expect(out.links.h2d_mapped!.bandwidth / 3.4e9).toBeCloseTo(1, 9);
  });
});
