/**
 * fitMeasured: leave-one-out against the closed form of a one-parameter model, and recovery of a
 * parameter from measurements servesim itself produced at a known value.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/api/run.js';
import { T2I_TINY, T2I_TINY_CSV } from '../fixtures/t2i-tiny.js';
import { InputError } from '../../src/errors.js';
import type { Metrics } from '../../src/metrics/types.js';
import { fitMeasured, parseFree, parseMeasured, scenarioEvaluator, selectRows, type Evaluate } from '../../src/fit/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-fit-'));

describe('fitMeasured(table, evaluate, {free, fitRows})', () => {
  // sim_i = k * x_i against measured m_i, relative residuals: with q_i = x_i / m_i the least-squares
  // k is sum(q) / sum(q^2), and leaving row j out gives k_-j from the other rows' q.
  const x = [1, 2, 4];
  const m = [1.1, 2.0, 3.6];
  const csv = ['label,policy.x,tokens_per_s', ...x.map((v, i) => `r${i},${v},${m[i]}`)].join('\n');
  const table = parseMeasured(csv, 'runs.csv');
  const linear: Evaluate = async (row, params) => ({ tokens_per_s: params['k']! * Number(row.config['policy.x']) }) as Metrics;
  const kOf = (idx: number[]) => {
    const q = idx.map((i) => x[i]! / m[i]!);
    return q.reduce((a, v) => a + v, 0) / q.reduce((a, v) => a + v * v, 0);
  };

  it('fits k in closed form and predicts each row left out from the others', async () => {
    const r = await fitMeasured(table, linear, { free: [{ path: 'k', lo: 0.01, hi: 100 }] });
    expect(r.params[0]!.value).toBeCloseTo(kOf([0, 1, 2]), 7);
    for (const [j, row] of r.rows.entries()) {
      expect(row.role).toBe('fit');
      expect(row.relError).toBeCloseTo((kOf([0, 1, 2]) * x[j]!) / m[j]! - 1, 6);
      const others = [0, 1, 2].filter((i) => i !== j);
      expect(row.looRelError).toBeCloseTo((kOf(others) * x[j]!) / m[j]! - 1, 6);
    }
  });

  it('fits on the selected rows only and reports the rest as held-out predictions', async () => {
    const r = await fitMeasured(table, linear, { free: [{ path: 'k', lo: 0.01, hi: 100 }], fitRows: selectRows(table, 'r1') });
    expect(r.params[0]!.value).toBeCloseTo(m[1]! / x[1]!, 7);
    expect(r.rows.map((row) => row.role)).toEqual(['held-out', 'fit', 'held-out']);
    expect(r.rows[0]!.relError).toBeCloseTo(((m[1]! / x[1]!) * x[0]!) / m[0]! - 1, 6);
    expect(r.summary.heldOut).toBeCloseTo((Math.abs(r.rows[0]!.relError) + Math.abs(r.rows[2]!.relError)) / 2, 12);
    expect(r.rows[1]!.looRelError).toBeNaN(); // one fit row: nothing left to refit on
  });

  it('names the column of a metric the system does not report', async () => {
    const bad = parseMeasured('policy.x,tokens_per_sec\n1,2\n', 'runs.csv');
    await expect(fitMeasured(bad, linear, { free: [] })).rejects.toThrow(/runs\.csv:1 .*tokens_per_sec.*not a metric/);
  });
});

describe('fit on servesim itself', () => {
  // A 4-layer Mixtral slice on an RTX 4090 whose cache holds a third to all of the experts: the
  // "measurements" are servesim's own at pcie_efficiency 0.4, so fitting one row must return 0.4
  // and predict the other cache sizes exactly.
  const scenario = join(tmp, 'tiny.yaml');
  writeFileSync(
    scenario,
    `name: tiny-fit
system: moe
hardware: { gpu: rtx-4090, host: desktop-13900k }
model: { preset: mixtral-8x7b-fp16, layers: 4, expert_mb: 100 }
workload:
  generator: { tokens: 60, request_tokens: 60 }
warmup: { tokens: 10 }
policies:
  - label: on-demand
    policy: { cache_experts: 8 }
`,
  );

  it('recovers pcie_efficiency = 0.4 from one row and predicts the others', async () => {
    const caches = [8, 16, 24];
    const truth: number[] = [];
    for (const c of caches) {
      const res = await runScenario(scenario, { jobs: 1, set: [`policy.cache_experts=${c}`, 'hardware.pcie_efficiency=0.4'] });
      truth.push(res.runs[0]!.metrics.tokens_per_s as number);
    }
    // The link matters: the three runs differ, so the fit has something to recover.
    expect(new Set(truth).size).toBe(3);
    const file = join(tmp, 'runs.csv');
    writeFileSync(file, ['policy.cache_experts,tokens_per_s', ...caches.map((c, i) => `${c},${truth[i]}`)].join('\n'));
    const table = parseMeasured(['policy.cache_experts,tokens_per_s', ...caches.map((c, i) => `${c},${truth[i]}`)].join('\n'), file);
    const evaluate = scenarioEvaluator(scenario, { measuredFile: file });
    const r = await fitMeasured(table, evaluate, { free: [parseFree('hardware.pcie_efficiency=0.05:1', {})], fitRows: [0] });
    expect(r.params[0]!.value).toBeCloseTo(0.4, 3);
    expect(r.summary.heldOut).toBeLessThan(1e-3);
  }, 60_000);

  it('points a bad configuration cell at its CSV line and column', async () => {
    const file = join(tmp, 'bad.csv');
    const table = parseMeasured('policy.cache_expertz,tokens_per_s\n8,10\n', file);
    const evaluate = scenarioEvaluator(scenario, { measuredFile: file });
    const err = await fitMeasured(table, evaluate, { free: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(new RegExp(`^${file.replace(/[/.]/g, '\\$&')}:2 .*cache_expertz`));
  }, 30_000);
});

describe('parseMeasured / parseFree / selectRows', () => {
  it('reads a machine column as the host, neither a setting nor a metric', () => {
    const t = parseMeasured('label,machine,policy.cache_experts,tokens_per_s\na,host-1,8,2\nb,,16,3\n', 'm.csv');
    expect(t.metrics).toEqual(['tokens_per_s']);
    expect(t.paths).toEqual(['policy.cache_experts']);
    expect(t.rows.map((r) => r.machine)).toEqual(['host-1', undefined]);
    expect(t.rows[0]!.config).toEqual({ 'policy.cache_experts': 8 });
  });
  it('rejects a non-positive measurement with its line and column', () => {
    expect(() => parseMeasured('label,tokens_per_s\na,1\nb,-2\n', 'm.csv')).toThrow(/^m\.csv:3 field 'tokens_per_s'/);
  });
  it('rejects a measurement in hex, a label used twice, and one metric in two columns', () => {
    expect(() => parseMeasured('label,tokens_per_s\na,0x10\n', 'm.csv')).toThrow(/^m\.csv:2 field 'tokens_per_s': expected a positive measured value, got '0x10'$/);
    expect(() => parseMeasured('label,tokens_per_s\na,1\n# a comment\na,2\n', 'm.csv')).toThrow(/^m\.csv:4 field 'label': duplicate label 'a' \(also line 2\)/);
    expect(() => parseMeasured('tpot_ms.mean,tokens_per_s,tpot_ms_mean\n1,2,3\n', 'm.csv')).toThrow(/^m\.csv:1 field 'tpot_ms_mean': columns 'tpot_ms\.mean' and 'tpot_ms_mean' name the same metric$/);
    // Distinct labels, default labels and decimal notation stay accepted.
    expect(parseMeasured('label,tokens_per_s\na,1e1\n,.5\n,2\n', 'm.csv').rows.map((r) => [r.label, r.measured.tokens_per_s])).toEqual([['a', 10], ['line 3', 0.5], ['line 4', 2]]);
  });

  it('rejects a ragged row with its line', () => {
    expect(() => parseMeasured('label,tokens_per_s\na,1,7\n', 'm.csv')).toThrow(/^m\.csv:2: malformed CSV/);
  });
  it('bounds default to a decade around the scenario value; bad bounds are one-line errors', () => {
    expect(parseFree('hardware.memory_efficiency', { hardware: { memory_efficiency: 0.5 } })).toEqual({ path: 'hardware.memory_efficiency', lo: 0.05, hi: 5, init: 0.5 });
    expect(() => parseFree('hardware.pcie_efficiency', {})).toThrow(/give bounds/);
    expect(() => parseFree('hardware.pcie_efficiency=1:0.5', {})).toThrow(/0 < LO < HI/);
  });
  it('selects rows by 1-based number, range and label', () => {
    const t = parseMeasured('label,tokens_per_s\na,1\nb,2\nc,3\n', 'm.csv');
    expect(selectRows(t, '1')).toEqual([0]);
    expect(selectRows(t, '2-3')).toEqual([1, 2]);
    expect(selectRows(t, 'c,a')).toEqual([0, 2]);
    expect(() => selectRows(t, '4')).toThrow(/outside rows 1-3/);
  });
});

describe('overlayYaml / readOverlay / overlaySets', () => {
  it('round-trips the fitted values as --set overrides', async () => {
    const { overlayYaml, readOverlay, overlaySets } = await import('../../src/fit/index.js');
    const report = {
      params: [{ path: 'hardware.pcie_efficiency', lo: 0.05, hi: 1, value: 0.123456789, relStdErr: NaN, atBound: false }],
      rows: [],
      summary: { inSample: 0, heldOut: 0.1, leaveOneOut: NaN },
      evaluations: 1,
      iterations: 1,
    };
    const file = join(tmp, 'overlay.yaml');
    writeFileSync(file, overlayYaml(report, { scenario: 's.yaml', measured: 'm.csv', fitRows: ['a'] }));
    expect(overlaySets(readOverlay(file))).toEqual(['hardware.pcie_efficiency=0.123457']);
  });
});

describe('fit on another system (t2i), checked by hand', () => {
  // The t2i fixture: text encoder 10 ms, S steps of s ms, VAE 20 ms; r0 at 0, r1 at 50 ms queued
  // behind it. r0's latency is 30 + S s; r1 starts when r0 ends and waits 30 + S s - 50, so the
  // mean latency is 20 + 1.5 S s (S = 2 gives the fixture's 170 ms at s = 50).
  const mean = (steps: number, s: number) => 20 + 1.5 * steps * s;

  it('recovers unet_step_ms from one measured row (s = (m - 20) / 3) and predicts a 4-step run', async () => {
    writeFileSync(join(tmp, 't2i.yaml'), T2I_TINY);
    writeFileSync(join(tmp, 'tiny.csv'), T2I_TINY_CSV);
    const file = join(tmp, 't2i-runs.csv');
    const table = parseMeasured(`label,model.steps,latency_ms.mean\ntwo,2,${mean(2, 80)}\nfour,4,${mean(4, 80)}\n`, file);
    const evaluate = scenarioEvaluator(join(tmp, 't2i.yaml'), { measuredFile: file });
    const r = await fitMeasured(table, evaluate, { free: [{ path: 'model.unet_step_ms', lo: 1, hi: 1000 }], fitRows: [0] });
    expect(r.params[0]!.value).toBeCloseTo(80, 3);
    expect(r.rows[1]!.role).toBe('held-out');
    expect(r.rows[1]!.simulated).toBeCloseTo(mean(4, 80), 2);
  }, 30_000);
});
