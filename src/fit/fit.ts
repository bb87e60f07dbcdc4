/**
 * `servesim fit`: calibrate named free parameters (any numeric scenario path) to measured runs by
 * least squares on relative error, r = simulated / measured - 1 per (run, metric), with the
 * bounded log-space Levenberg–Marquardt of optimize.ts.
 *
 *   rows -> fit set (--fit-rows) + held-out set -> LM on the fit set -> fitted values +- rel. s.e.
 *        -> in-sample error per fit row -> leave-one-out error per fit row (refit without it)
 *        -> prediction error per held-out row
 *
 * The headline use is one measured configuration, fitted, predicting the rest: every row not in
 * the fit set is a prediction and is reported as one. With no free parameters the same report is
 * the out-of-the-box comparison.
 */
import { InputError } from '../errors.js';
import { metricNames, metricValue, type Evaluate } from './evaluate.js';
import type { MeasuredRow, MeasuredTable } from './measured.js';
import { levenbergMarquardt, type LmResult } from './optimize.js';

export interface FreeParam {
  /** Scenario path (`hardware.pcie_efficiency`). */
  path: string;
  lo: number;
  hi: number;
  /** Starting value (default: the geometric midpoint of the bounds). */
  init?: number;
}

export interface FitOptions {
  free: readonly FreeParam[];
  /** Indices (0-based, into table.rows) of the rows to fit on. __Default value:__ all rows */
  fitRows?: readonly number[];
  /** Refit without each fit row to predict it. __Default value:__ true */
  leaveOneOut?: boolean;
}

export interface FittedParam extends FreeParam {
  value: number;
  /** Relative standard error (sd of ln value) from the Jacobian at the optimum; NaN when the fit rows pin it exactly. */
  relStdErr: number;
  atBound: boolean;
}

export interface RowResult {
  line: number;
  label: string;
  /** `fit`: used to fit (its error is in-sample); `held-out`: predicted. */
  role: 'fit' | 'held-out';
  metric: string;
  measured: number;
  simulated: number;
  /** simulated / measured - 1. */
  relError: number;
  /** Fit rows only: the error when the row is predicted by a fit without it (NaN when too few rows remain). */
  looRelError: number;
}

export interface FitReport {
  params: FittedParam[];
  rows: RowResult[];
  /** Mean |relError| over fit rows (in-sample), held-out rows (prediction) and LOO predictions. */
  summary: { inSample: number; heldOut: number; leaveOneOut: number };
  /** Evaluations requested (a repeat of the same row and values is memoised, so may cost no simulation). */
  evaluations: number;
  iterations: number;
}

export async function fitMeasured(table: MeasuredTable, evaluate: Evaluate, opts: FitOptions): Promise<FitReport> {
  const fitIdx = opts.fitRows ?? table.rows.map((_, i) => i);
  if (fitIdx.length === 0) throw new InputError('no rows to fit on (--fit-rows selected none)');
  const fitRows = fitIdx.map((i) => table.rows[i]!);
  await checkMetrics(table, evaluate, opts.free);
  let evaluations = 0;
  const counted: Evaluate = async (row, params) => {
    evaluations++;
    return evaluate(row, params);
  };

  const full = await fitOn(fitRows, counted, opts.free);
  const values = paramValues(opts.free, full.x);
  const rows: RowResult[] = [];
  const fitSet = new Set(fitIdx);
  for (const [i, row] of table.rows.entries()) {
    const sims = await simulated(row, counted, values);
    for (const [metric, measured] of Object.entries(row.measured)) {
      const sim = sims[metric]!;
      rows.push({ line: row.line, label: row.label, role: fitSet.has(i) ? 'fit' : 'held-out', metric, measured, simulated: sim, relError: sim / measured - 1, looRelError: NaN });
    }
  }
  if ((opts.leaveOneOut ?? true) && opts.free.length > 0 && fitRows.length - 1 >= 1) {
    for (const row of fitRows) {
      const rest = fitRows.filter((r) => r !== row);
      if (residualCount(rest) < opts.free.length) continue;
      const loo = await fitOn(rest, counted, opts.free.map((p, k) => ({ ...p, init: full.x[k]! })));
      const sims = await simulated(row, counted, paramValues(opts.free, loo.x));
      for (const r of rows) if (r.line === row.line && r.role === 'fit') r.looRelError = sims[r.metric]! / r.measured - 1;
    }
  }
  const meanAbs = (xs: number[]) => (xs.length ? xs.reduce((a, v) => a + Math.abs(v), 0) / xs.length : NaN);
  const finite = (xs: number[]) => xs.filter((v) => Number.isFinite(v));
  return {
    params: opts.free.map((p, k) => ({ ...p, value: full.x[k]!, relStdErr: full.relStdErr[k]!, atBound: full.atBound[k]! })),
    rows,
    summary: {
      inSample: meanAbs(rows.filter((r) => r.role === 'fit').map((r) => r.relError)),
      heldOut: meanAbs(rows.filter((r) => r.role === 'held-out').map((r) => r.relError)),
      leaveOneOut: meanAbs(finite(rows.filter((r) => r.role === 'fit').map((r) => r.looRelError))),
    },
    evaluations,
    iterations: full.iterations,
  };
}

function residualCount(rows: readonly MeasuredRow[]): number {
  return rows.reduce((a, r) => a + Object.keys(r.measured).length, 0);
}

function paramValues(free: readonly FreeParam[], x: readonly number[]): Record<string, number> {
  return Object.fromEntries(free.map((p, k) => [p.path, x[k]!]));
}

async function simulated(row: MeasuredRow, evaluate: Evaluate, values: Record<string, number>): Promise<Record<string, number>> {
  const m = await evaluate(row, values);
  return Object.fromEntries(Object.keys(row.measured).map((k) => [k, metricValue(m, k)!]));
}

async function fitOn(rows: readonly MeasuredRow[], evaluate: Evaluate, free: readonly FreeParam[]): Promise<LmResult> {
  if (free.length === 0) return { x: [], residuals: [], cost: 0, relStdErr: [], iterations: 0, evaluations: 0, atBound: [] };
  const residuals = async (x: readonly number[]) => {
    const values = paramValues(free, x);
    const out: number[] = [];
    for (const row of rows) {
      const sims = await simulated(row, evaluate, values);
      for (const [k, measured] of Object.entries(row.measured)) out.push(sims[k]! / measured - 1);
    }
    return out;
  };
  const init = free.map((p) => p.init ?? Math.sqrt(p.lo * p.hi));
  return levenbergMarquardt(residuals, free, { init });
}

/** Every measured column must name a metric the system reports: checked on the first row's run. */
async function checkMetrics(table: MeasuredTable, evaluate: Evaluate, free: readonly FreeParam[]): Promise<void> {
  const first = table.rows[0]!;
  const m = await evaluate(first, Object.fromEntries(free.map((p) => [p.path, p.init ?? Math.sqrt(p.lo * p.hi)])));
  for (const name of table.metrics) {
    const v = metricValue(m, name);
    if (v === undefined || !Number.isFinite(v)) {
      const known = metricNames(m).filter((k) => !/series/.test(k));
      throw new InputError(`'${name}' is not a metric this system reports (known: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''})`, { file: table.file, line: 1, field: name });
    }
  }
}
