/**
 * The per-machine calibration mode of `servesim reproduce`: each machine is fitted on the row its
 * stated rule picks (never the best-fitting one), its other rows are predicted with its own
 * value, and no calibration row is ever scored as a prediction. Checked on a synthetic suite whose
 * "published" numbers are hand-built from a model that is exactly linear in the fitted parameter.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/api/run.js';
import { InputError } from '../../src/errors.js';
import { parseMeasured } from '../../src/fit/measured.js';
import { machineCalibrationRows, reproduceTable, type TableSpec } from '../../src/fit/reproduce.js';

const root = mkdtempSync(join(tmpdir(), 'servesim-per-machine-'));
const dir = join(root, 'tiny');
mkdirSync(dir);
// A 4-layer Mixtral slice. With cache_experts 32 every expert is resident, so nothing stalls and a
// decode step is 4 x (layer + overhead) + head: tpot(x) = tpot(0) + 4 x, x = layer_overhead_ms.
const SCENARIO = `name: tiny-per-machine
system: moe
hardware: { gpu: rtx-4090, host: desktop-13900k }
model: { preset: mixtral-8x7b-fp16, layers: 4, expert_mb: 100, layer_overhead_ms: 1 }
workload:
  generator: { tokens: 30, request_tokens: 30 }
warmup: { tokens: 5 }
policies:
  - label: on-demand
    policy: { cache_experts: 32 }
`;
const TABLE = `title: synthetic
source: { paper: synthetic, url: "https://example.org", table: "T", hardware: "two machines" }
metric: tpot_ms_mean
calibrate:
  row: m1-full
  free: [{ path: model.layer_overhead_ms, lo: 0.01, hi: 100 }]
  per_machine_match: [policy.cache_experts]
`;
writeFileSync(join(dir, 'scenario.yaml'), SCENARIO);
writeFileSync(join(dir, 'table.yaml'), TABLE);

const spec = (row: string, match: string[]) => ({ calibrate: { row, free: [], per_machine_match: match } }) as unknown as TableSpec;

describe('machineCalibrationRows: the fixed rule', () => {
  const csv = 'label,machine,policy.cache_experts,tpot_ms_mean\na1,A,16,10\na2,A,32,8\nb1,B,32,9\nb2,B,16,12\n';
  const table = parseMeasured(csv, 'p.csv');
  const withC = parseMeasured(csv + 'c1,C,16,11\n', 'p.csv');

  it('picks each machine\'s first listed row agreeing with the calibration row in the match columns', () => {
    expect(machineCalibrationRows(table, spec('a2', ['policy.cache_experts']), 1, 't.yaml')).toEqual([
      { machine: 'A', rows: [0, 1], calibrate: 1 },
      { machine: 'B', rows: [2, 3], calibrate: 2 },
    ]);
  });

  it('with no match columns, picks each machine\'s first listed row', () => {
    expect(machineCalibrationRows(withC, spec('a2', []), 1, 't.yaml').map((g) => g.calibrate)).toEqual([0, 2, 4]);
  });

  it('refuses a machine without a row the rule can pick, naming the field', () => {
    expect(() => machineCalibrationRows(withC, spec('a2', ['policy.cache_experts']), 1, 't.yaml')).toThrow(
      /^t\.yaml field 'calibrate\.per_machine_match': machine 'C' has no row with policy\.cache_experts = 32/,
    );
  });

  it('refuses a row without a machine when others name one, naming its line', () => {
    const t = parseMeasured('label,machine,tpot_ms_mean\na,A,1\nb,,2\n', 'p.csv');
    const err = (() => {
      try {
        machineCalibrationRows(t, spec('a', []), 0, 't.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^p\.csv:3 field 'machine'/);
  });
});

describe('reproduceTable: per-machine mode on a synthetic two-machine table', () => {
  it('fits each machine on its own rule-picked row, predicts only the others, and recovers the hand-computed value', async () => {
    const res = await runScenario(join(dir, 'scenario.yaml'), { jobs: 1, set: ['model.layer_overhead_ms=0'] });
    const base = res.runs[0]!.metrics.tpot_ms.mean;
    // Machine m1 at 2 ms of overhead a layer, m2 at 5 ms: tpot = base + 4 x on the resident rows.
    const m1 = base + 4 * 2;
    const m2 = base + 4 * 5;
    // m1's first listed row is the offloaded one: the rule must skip it, not fit it. Its value is
    // deliberately inconsistent (twice m1's), so fitting it would move m1's overhead far from 2.
    writeFileSync(
      join(dir, 'published.csv'),
      ['label,machine,policy.cache_experts,tpot_ms_mean', `m1-small,m1,16,${2 * m1}`, `m1-full,m1,32,${m1}`, `m2-full,m2,32,${m2}`, `m2-small,m2,16,${m2 + 3}`].join('\n'),
    );
    const t = await reproduceTable(root, 'tiny');
    const pm = t.perMachine!;
    expect(pm.machines.map((m) => [m.machine, m.row])).toEqual([
      ['m1', 'm1-full'],
      ['m2', 'm2-full'],
    ]);
    expect(pm.machines[0]!.params[0]!.value).toBeCloseTo(2, 2);
    expect(pm.machines[1]!.params[0]!.value).toBeCloseTo(5, 2);
    const role = Object.fromEntries(pm.report.rows.map((r) => [r.label, r.role]));
    expect(role).toEqual({ 'm1-small': 'held-out', 'm1-full': 'fit', 'm2-full': 'fit', 'm2-small': 'held-out' });
    // The calibration rows are matched and never scored: the mean is over the two predicted rows.
    const by = Object.fromEntries(pm.report.rows.map((r) => [r.label, r]));
    expect(Math.abs(by['m1-full']!.relError)).toBeLessThan(1e-3);
    expect(Math.abs(by['m2-full']!.relError)).toBeLessThan(1e-3);
    expect(pm.meanAbsError).toBeCloseTo((Math.abs(by['m1-small']!.relError) + Math.abs(by['m2-small']!.relError)) / 2, 12);
    // The one-row mode fits m1-full only (x = 2) and predicts m2-full at base + 8 against base + 20.
    expect(t.calibrated.report.params[0]!.value).toBeCloseTo(2, 2);
    const cal = Object.fromEntries(t.calibrated.report.rows.map((r) => [r.label, r]));
    expect(cal['m2-full']!.role).toBe('held-out');
    expect(cal['m2-full']!.relError).toBeCloseTo((base + 8) / (base + 20) - 1, 3);
  }, 60_000);

  it('has no per-machine mode for a table without a machine column', async () => {
    writeFileSync(join(dir, 'published.csv'), 'label,policy.cache_experts,tpot_ms_mean\nm1-full,32,10\nm1-small,16,20\n');
    const t = await reproduceTable(root, 'tiny');
    expect(t.perMachine).toBeUndefined();
  }, 60_000);
});
