/**
 * The reproduction suite runs (as `servesim reproduce` does), and its data files agree with the
 * derivations written beside them. Accuracy is gated at the errors measured when the scenarios
 * were last revised (README.md, docs/fit.md), with a small margin: a change that makes the
 * simulator worse at reproducing a published table fails here.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMeasured } from '../../src/fit/measured.js';
import { listTables, publishedTie, readTableSpec, reproduceTable } from '../../src/fit/reproduce.js';
import { dequantBytes } from '../../src/systems/moe/dequant.js';

const ROOT = join(process.cwd(), 'reproduce');

/**
 * Measured mean |relative error| (out of the box over every row; calibrated over the predicted
 * rows) and Kendall tau per table, as stated in README.md. Asserted with 2 points of error and
 * 0.05 of tau to spare (the runs are deterministic; the margin absorbs intended small changes).
 * tau NaN: the published values, at the table's resolution, order no pair of rows.
 */
const MEASURED: Record<string, { oob: number; calibrated: number; tauOob: number; tauCalibrated: number; within?: { by: string[]; tau: number; reversed: number }; perMachine?: { error: number; tau: number } }> = {
  'fiddler-mixtral-offloading-a6000': { oob: 0.113, calibrated: 0.022, tauOob: NaN, tauCalibrated: NaN },
  // Within a prompt length the simulator orders all 24 pairs the published values order as published.
  'fiddler-mixtral-offloading-a6000-lmsys': { oob: 0.088, calibrated: 0.028, tauOob: 0.41, tauCalibrated: 0.4, within: { by: ['workload.prompt_tokens'], tau: 0.63, reversed: 0 } },
  'mixtral-offloading-table2': { oob: 0.414, calibrated: 0.296, tauOob: 0.6, tauCalibrated: 0.61, within: { by: ['machine'], tau: 0.8, reversed: 2 }, perMachine: { error: 0.124, tau: 0.83 } },
  'moe-infinity-a5000': { oob: 0.221, calibrated: 0.119, tauOob: 1, tauCalibrated: 1 },
};

describe('reproduce/', () => {
  it('holds at least three published tables, each with its source', () => {
    const names = listTables(ROOT);
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const n of names) {
      const spec = readTableSpec(join(ROOT, n));
      expect(spec.source.url).toMatch(/^https:\/\//);
      expect(spec.source.table.length).toBeGreaterThan(0);
    }
  });

  for (const name of listTables(ROOT)) {
    it(`${name}: calibrates on exactly its one named row and predicts every other row`, async () => {
      const t = await reproduceTable(ROOT, name);
      const cal = t.calibrated.report.rows;
      expect(cal.filter((r) => r.role === 'fit').map((r) => r.label)).toEqual([t.spec.calibrate.row]);
      // One free parameter, one measurement, a monotone model, the optimum inside the bounds:
      // the fitted row is matched exactly.
      expect(t.calibrated.report.params.every((p) => !p.atBound)).toBe(true);
      expect(Math.abs(cal.find((r) => r.role === 'fit')!.relError)).toBeLessThan(2e-3);
      for (const mode of [t.outOfTheBox, t.calibrated]) {
        for (const r of mode.report.rows) expect(Number.isFinite(r.simulated) && r.simulated > 0).toBe(true);
        expect(mode.pairs).toBe((mode.report.rows.length * (mode.report.rows.length - 1)) / 2);
        if (mode.orderedPairs === 0) expect(mode.tau).toBeNaN();
        else {
          expect(mode.tau).toBeGreaterThanOrEqual(-1);
          expect(mode.tau).toBeLessThanOrEqual(1);
        }
      }
      // The calibrated mean is over predicted rows only.
      const held = cal.filter((r) => r.role === 'held-out').map((r) => Math.abs(r.relError));
      expect(t.calibrated.meanAbsError).toBeCloseTo(held.reduce((a, v) => a + v, 0) / held.length, 12);
      // No worse than measured (README.md).
      const m = MEASURED[name];
      expect(m, `no measured errors recorded for ${name}`).toBeDefined();
      expect(t.outOfTheBox.meanAbsError).toBeLessThanOrEqual(m!.oob + 0.02);
      expect(t.calibrated.meanAbsError).toBeLessThanOrEqual(m!.calibrated + 0.02);
      const tauAtLeast = (mode: typeof t.outOfTheBox, tau: number) => (Number.isNaN(tau) ? expect(mode.orderedPairs).toBe(0) : expect(mode.tau).toBeGreaterThanOrEqual(tau - 0.05));
      tauAtLeast(t.outOfTheBox, m!.tauOob);
      tauAtLeast(t.calibrated, m!.tauCalibrated);
      // Per machine: present exactly for the tables whose published.csv names machines; each
      // machine's calibration row is fitted, never scored, and is the only fit row of its machine.
      expect(t.perMachine !== undefined, `per-machine mode of ${name}`).toBe(m!.perMachine !== undefined);
      if (t.perMachine && m!.perMachine) {
        const fitRows = t.perMachine.report.rows.filter((r) => r.role === 'fit').map((r) => r.label);
        expect(fitRows.sort()).toEqual(t.perMachine.machines.map((x) => x.row).sort());
        const heldOut = new Set(t.perMachine.report.rows.filter((r) => r.role === 'held-out').map((r) => r.label));
        for (const x of t.perMachine.machines) expect(heldOut.has(x.row)).toBe(false);
        expect(t.perMachine.report.rows.length).toBe(cal.length);
        expect(t.perMachine.meanAbsError).toBeLessThanOrEqual(m!.perMachine.error + 0.02);
        expect(t.perMachine.tau).toBeGreaterThanOrEqual(m!.perMachine.tau - 0.05);
      }
      // Ranked within groups (rank_within, or machine): every mode, over as many pairs as the
      // groups' row counts give; the ordered pairs split into agreeing, reversed and simulator ties.
      expect(t.outOfTheBox.within?.by).toEqual(m!.within?.by);
      if (m!.within) {
        const rowsPer = new Map<string, number>();
        for (const x of readMeasured(join(ROOT, name, t.spec.published)).rows) {
          const key = JSON.stringify(m!.within.by.map((c) => (c === 'machine' ? x.machine : x.config[c])));
          rowsPer.set(key, (rowsPer.get(key) ?? 0) + 1);
        }
        const groupPairs = [...rowsPer.values()].reduce((a, n) => a + (n * (n - 1)) / 2, 0);
        for (const mode of [t.outOfTheBox, t.calibrated, ...(t.perMachine ? [t.perMachine] : [])]) {
          expect(mode.within!.pairs).toBe(groupPairs);
          expect(mode.within!.agree + mode.within!.reversed).toBeLessThanOrEqual(mode.within!.orderedPairs);
          expect(mode.within!.tau).toBeGreaterThanOrEqual(m!.within.tau - 0.05);
          expect(mode.within!.reversed).toBeLessThanOrEqual(m!.within.reversed);
        }
      }
    }, 120_000);
  }

  it('a resolution ties published values closer than its share of the larger, and only those', () => {
    expect(publishedTie(0.73, 0.66, 0.1)).toBe(true); // 9.6% apart
    expect(publishedTie(0.73, 0.65, 0.1)).toBe(false); // 11.0%
    expect(publishedTie(0.66, 0.73, 0.1)).toBe(true); // symmetric
    expect(publishedTie(2, 2)).toBe(true); // no resolution: only equal values
    expect(publishedTie(2, 2.000001)).toBe(false);
  });

  it('refuses an empty suite, a file as the suite and a free parameter with lo >= hi', () => {
    const root = mkdtempSync(join(tmpdir(), 'servesim-suite-'));
    try {
      expect(() => listTables(root)).toThrow(/no tables in .*table\.yaml/);
      writeFileSync(join(root, 'f'), '');
      expect(() => listTables(join(root, 'f'))).toThrow(/is a file; the suite is a folder/);
      cpSync(join(ROOT, 'fiddler-mixtral-offloading-a6000'), join(root, 't'), { recursive: true });
      const spec = join(root, 't', 'table.yaml');
      writeFileSync(spec, readFileSync(spec, 'utf8').replace('lo: 0.01, hi: 1.26', 'lo: 20, hi: 0.01'));
      expect(() => readTableSpec(join(root, 't'))).toThrow(/calibrate\.free\.0.*lo must be below hi/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a rank_within column that the published rows do not set, naming the field', async () => {
    const root = mkdtempSync(join(tmpdir(), 'servesim-rank-within-'));
    try {
      cpSync(join(ROOT, 'fiddler-mixtral-offloading-a6000'), join(root, 't'), { recursive: true });
      const spec = join(root, 't', 'table.yaml');
      writeFileSync(spec, readFileSync(spec, 'utf8') + 'rank_within: [workload.nope]\n');
      await expect(reproduceTable(root, 't')).rejects.toThrow(/table\.yaml.*rank_within.*'workload\.nope' is not a column every row/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fiddler-mixtral-offloading-a6000: the resolution follows from the artifact rows it cites', () => {
    // At each prompt length, the widest spread over output lengths, as a share of the larger value.
    const table = readMeasured(join(ROOT, 'fiddler-mixtral-offloading-a6000', 'published.csv'));
    const byPrompt = new Map<unknown, number[]>();
    for (const r of table.rows) byPrompt.set(r.config['workload.prompt_tokens'], [...(byPrompt.get(r.config['workload.prompt_tokens']) ?? []), r.measured.tokens_per_s!]);
    expect(table.rows.length).toBe(20);
    const spread = Math.max(...[...byPrompt.values()].map((v) => (Math.max(...v) - Math.min(...v)) / Math.max(...v)));
    expect(spread).toBeCloseTo(0.0959, 3);
    expect(readTableSpec(join(ROOT, 'fiddler-mixtral-offloading-a6000')).resolution!.relative).toBeGreaterThanOrEqual(spread);
  });

  it('mixtral-offloading-table2: expert bytes follow from the HQQ settings of Section 4.2', () => {
    const weights = 3 * 4096 * 14336;
    // bits per weight: quantised value + 8-bit scale + 8-bit zero per group + fp16 scale/zero of the scales per 128 groups
    const hqq = (valueBits: number, group: number) => valueBits + 8 / group + 8 / group + 32 / (group * 128);
    const mb = (bits: number) => Math.round(((weights * bits) / 8 / 1e6) * 100) / 100;
    const table = readMeasured(join(ROOT, 'mixtral-offloading-table2', 'published.csv'));
    const sizes = new Set(table.rows.map((r) => r.config['model.expert_mb']));
    expect([...sizes].sort()).toEqual([mb(hqq(2, 16)), mb(hqq(3.2, 64))].sort());
    const scenario = readFileSync(join(ROOT, 'mixtral-offloading-table2', 'scenario.yaml'), 'utf8');
    expect(scenario).toContain(`${mb(hqq(2, 16)).toFixed(2)} MB`);
    expect(scenario).toContain(`${mb(hqq(3.2, 64)).toFixed(2)} MB`);
    // Each row's dequantisation group is its HQQ group (2-bit: 16, 3-bit: 64), and the per-forward
    // traffic the scenario states follows from it (dequant.ts: 4 + 2 x 11 B a group).
    for (const r of table.rows) expect(r.config['model.expert_dequant.group']).toBe(r.config['model.expert_mb'] === mb(hqq(2, 16)) ? 16 : 64);
    expect(scenario).toContain(`${Math.round(dequantBytes(weights, { group: 16, quantised: 2 }) / 1e6)} MB`);
    expect(scenario).toContain(`${Math.round(dequantBytes(weights, { group: 64, quantised: 2 }) / 1e6)} MB`);
  });
});
