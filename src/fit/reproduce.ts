/**
 * The reproduction suite: published tables of measured serving speed, each a folder under
 * reproduce/ with
 *   table.yaml     the source (paper, arXiv id, table number, hardware), the metric compared and
 *                  the calibration (one row, the free parameters fitted on it);
 *   published.csv  the published numbers as measured runs (servesim fit's CSV: scenario-path
 *                  columns for each row's configuration, the metric column);
 *   scenario.yaml  what all rows share (model, quantisation-derived expert bytes, policy).
 * Modes per table: out of the box (the scenario as it is), calibrated on one row (the free
 * parameters fitted to that row alone, every other row predicted) and, for a table whose
 * published.csv has a `machine` column, calibrated per machine (the free parameters fitted
 * separately on one row of each machine, chosen by a fixed rule, each machine's other rows
 * predicted with its own values: what a user who measures one configuration on every machine they
 * own gets). Reported per mode: the relative error per row, the mean |error| (over the predicted
 * rows only, in the calibrated modes) and Kendall's tau between the simulated and published
 * orderings of all rows. A table may state the published numbers' resolution (`resolution`):
 * published values closer than that share of the larger are ties, so tau counts only the pairs the
 * published data orders.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InputError, type InputLocation } from '../errors.js';
import { decodeUtf8 } from '../input-text.js';
import { parseScenarioText } from '../scenario/source.js';
import type { Registry } from '../scenario/types.js';
import { scenarioEvaluator, type Evaluate } from './evaluate.js';
import { fitMeasured, type FitReport } from './fit.js';
import { kendallPairs, type KendallPairs } from './kendall.js';
import { readMeasured, type MeasuredTable } from './measured.js';

const tableSchema = z
  .object({
    title: z.string(),
    source: z
      .object({ paper: z.string(), arxiv: z.string().optional(), url: z.string(), table: z.string(), hardware: z.string(), code: z.string().optional() })
      .strict(),
    scenario: z.string().default('scenario.yaml'),
    published: z.string().default('published.csv'),
    metric: z.string(),
    calibrate: z
      .object({
        row: z.string(),
        free: z
          .array(
            z
              .object({ path: z.string(), lo: z.number().positive(), hi: z.number().positive() })
              .strict()
              .refine((f) => f.lo < f.hi, { message: 'lo must be below hi' }),
          )
          .min(1),
        // Per-machine mode: each machine is calibrated on its first listed row that agrees with
        // `row` in these columns (none: its first listed row). A fixed rule, never the best fit.
        per_machine_match: z.array(z.string()).default([]),
      })
      .strict(),
    // How far apart two published values must be to order them; its source says why (e.g. repeats
    // of the same configuration spread that much). Absent: every unequal pair is an order.
    resolution: z.object({ relative: z.number().positive().lt(1), source: z.string().min(1) }).strict().optional(),
    // Columns whose rows are ranked among themselves too (tau over the pairs that agree in all of
    // them): `machine` by default when the CSV names machines; e.g. a prompt length, to rank how
    // the output length moves the speed at each.
    rank_within: z.array(z.string().min(1)).min(1).optional(),
    notes: z.string().optional(),
  })
  .strict();
export type TableSpec = z.infer<typeof tableSchema>;

export interface ModeResult {
  report: FitReport;
  /** Mean |relative error|: every row out of the box; the predicted rows when calibrated. */
  meanAbsError: number;
  maxAbsError: number;
  /** Kendall's tau-b between simulated and published values over all rows (NaN: no pair ordered). */
  tau: number;
  /**
   * Row pairs the published values order (not tied within the table's resolution), of those the
   * ones the simulator orders the same way and the other way (the rest it ties), and all pairs.
   */
  orderedPairs: number;
  agree: number;
  reversed: number;
  pairs: number;
  /**
   * The same over the pairs of rows that agree in the `by` columns only (`rank_within`; by default
   * `machine` in a table that names machines: the configurations a user of one machine chooses
   * between, where the all-rows figure also orders one machine's speed against another's).
   */
  within?: { by: string[] } & RankAgreement;
}

/** The ranking figures of a mode (ModeResult's), over all pairs or one group's. */
export type RankAgreement = Pick<ModeResult, 'tau' | 'orderedPairs' | 'agree' | 'reversed' | 'pairs'>;

export interface MachineCalibration {
  machine: string;
  /** The row the machine was calibrated on. */
  row: string;
  params: FitReport['params'];
}

export interface PerMachineResult extends ModeResult {
  /** One per machine, in the order the machines first appear in published.csv. */
  machines: MachineCalibration[];
}

export interface TableResult {
  name: string;
  spec: TableSpec;
  outOfTheBox: ModeResult;
  calibrated: ModeResult;
  /** Present when published.csv has a `machine` column. */
  perMachine?: PerMachineResult;
  seconds: number;
}

/** The reproduce/ folder: the nearest ancestor of this module (src/ or dist/src/) holding one. */
export function defaultReproduceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'reproduce');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    dir = dirname(dir);
  }
  return resolve('reproduce');
}

export function listTables(root: string): string[] {
  if (!existsSync(root)) throw new InputError(`no reproduction suite at ${root}`);
  if (!statSync(root).isDirectory()) throw new InputError(`${root} is a file; the suite is a folder of tables (each a folder with a table.yaml)`);
  const names = readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'table.yaml')))
    .sort();
  // An empty suite would print nothing and exit 0, as if every table had been reproduced.
  if (names.length === 0) throw new InputError(`no tables in ${root} (a table is a folder with a table.yaml)`);
  return names;
}

/** A table.yaml read: the spec, and where in the file each of its fields is (for messages). */
export interface TableSource {
  spec: TableSpec;
  file: string;
  /** `field` (a dotted path, as in messages) located: the file, the line that sets it, the field. */
  where(field: string): InputLocation;
}

export function readTableSpec(dir: string): TableSpec {
  return readTableSource(dir).spec;
}

export function readTableSource(dir: string): TableSource {
  const file = join(dir, 'table.yaml');
  let text: string;
  try {
    text = decodeUtf8(readFileSync(file), file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]})`, { file });
  }
  // The scenario files' reader: YAML syntax errors and duplicate keys come with their line, and
  // every field can be mapped back to the line that sets it.
  const source = parseScenarioText(text, file);
  const where = (field: string): InputLocation => {
    const path = field.split('.').map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
    const line = source.lineOf(path);
    return { file, ...(line !== undefined ? { line } : {}), field };
  };
  const parsed = tableSchema.safeParse(source.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.message, where(issue.path.join('.')));
  }
  return { spec: parsed.data, file, where };
}

export async function reproduceTable(root: string, name: string, registry?: Registry): Promise<TableResult> {
  const started = Date.now();
  const dir = join(root, name);
  if (!existsSync(join(dir, 'table.yaml'))) throw new InputError(`no table '${name}' in ${root} (tables: ${listTables(root).join(', ')})`);
  const { spec, where } = readTableSource(dir);
  const measuredFile = join(dir, spec.published);
  const table = readMeasured(measuredFile);
  for (const r of table.rows) {
    if (Object.keys(r.measured).join() !== spec.metric) throw new InputError(`each row must give exactly the metric '${spec.metric}'`, { file: measuredFile, line: r.line });
  }
  const calIdx = table.rows.findIndex((r) => r.label === spec.calibrate.row);
  if (calIdx < 0) throw new InputError(`calibrate.row '${spec.calibrate.row}' is not a row label of ${spec.published}`, where('calibrate.row'));
  for (const c of spec.rank_within ?? []) {
    const named = c === 'machine' ? table.rows.every((r) => r.machine !== undefined) : table.rows.every((r) => c in r.config);
    if (!named) throw new InputError(`rank_within: '${c}' is not a column every row of ${spec.published} sets`, where('rank_within'));
  }
  const evaluate = scenarioEvaluator(join(dir, spec.scenario), { measuredFile, ...(registry ? { registry } : {}) });
  const oob = await fitMeasured(table, evaluate, { free: [], leaveOneOut: false });
  const cal = await fitMeasured(table, evaluate, { free: spec.calibrate.free, fitRows: [calIdx], leaveOneOut: false });
  const perMachine = table.rows.some((r) => r.machine !== undefined) ? await fitPerMachine(table, evaluate, spec, calIdx, where) : undefined;
  return {
    name,
    spec,
    outOfTheBox: mode(oob, () => true, spec, table),
    calibrated: mode(cal, (r) => r.role === 'held-out', spec, table),
    ...(perMachine ? { perMachine } : {}),
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * The rows of each machine, in first-appearance order, and the row each is calibrated on: its
 * first listed row agreeing with the one-row calibration row in `per_machine_match`.
 */
export function machineCalibrationRows(table: MeasuredTable, spec: TableSpec, calIdx: number, specFile: string | TableSource['where']): { machine: string; rows: number[]; calibrate: number }[] {
  const at = typeof specFile === 'string' ? (field: string): InputLocation => ({ file: specFile, field }) : specFile;
  const groups = new Map<string, number[]>();
  for (const [i, r] of table.rows.entries()) {
    if (r.machine === undefined) throw new InputError(`every row needs a machine when any row names one`, { file: table.file, line: r.line, field: 'machine' });
    groups.set(r.machine, [...(groups.get(r.machine) ?? []), i]);
  }
  const ref = table.rows[calIdx]!;
  const match = spec.calibrate.per_machine_match;
  for (const c of match) {
    if (!(c in ref.config)) throw new InputError(`'${c}' is not a column set in the calibration row '${ref.label}'`, at('calibrate.per_machine_match'));
  }
  return [...groups].map(([machine, rows]) => {
    const calibrate = rows.find((i) => match.every((c) => String(table.rows[i]!.config[c]) === String(ref.config[c])));
    if (calibrate === undefined) {
      const want = match.map((c) => `${c} = ${String(ref.config[c])}`).join(', ');
      throw new InputError(`machine '${machine}' has no row with ${want} to calibrate on`, at('calibrate.per_machine_match'));
    }
    return { machine, rows, calibrate };
  });
}

async function fitPerMachine(table: MeasuredTable, evaluate: Evaluate, spec: TableSpec, calIdx: number, specFile: TableSource['where']): Promise<PerMachineResult> {
  const byLine = new Map<number, FitReport['rows']>();
  const machines: MachineCalibration[] = [];
  let evaluations = 0;
  let iterations = 0;
  for (const g of machineCalibrationRows(table, spec, calIdx, specFile)) {
    const sub: MeasuredTable = { ...table, rows: g.rows.map((i) => table.rows[i]!) };
    const rep = await fitMeasured(sub, evaluate, { free: spec.calibrate.free, fitRows: [g.rows.indexOf(g.calibrate)], leaveOneOut: false });
    machines.push({ machine: g.machine, row: table.rows[g.calibrate]!.label, params: rep.params });
    for (const r of rep.rows) byLine.set(r.line, [...(byLine.get(r.line) ?? []), r]);
    evaluations += rep.evaluations;
    iterations += rep.iterations;
  }
  // Back in the table's order, so the report reads like the other modes'.
  const rows = table.rows.flatMap((r) => byLine.get(r.line) ?? []);
  const meanAbs = (xs: number[]) => (xs.length ? xs.reduce((a, v) => a + Math.abs(v), 0) / xs.length : NaN);
  const report: FitReport = {
    params: [],
    rows,
    summary: {
      inSample: meanAbs(rows.filter((r) => r.role === 'fit').map((r) => r.relError)),
      heldOut: meanAbs(rows.filter((r) => r.role === 'held-out').map((r) => r.relError)),
      leaveOneOut: NaN,
    },
    evaluations,
    iterations,
  };
  return { ...mode(report, (r) => r.role === 'held-out', spec, table), machines };
}

/** Whether two published values are too close to order at a relative resolution (0: only equal ones). */
export function publishedTie(a: number, b: number, relative = 0): boolean {
  return Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b));
}

function mode(report: FitReport, scored: (r: FitReport['rows'][number]) => boolean, spec: TableSpec, table: MeasuredTable): ModeResult {
  const errs = report.rows.filter(scored).map((r) => Math.abs(r.relError));
  const simulated = report.rows.map((r) => r.simulated);
  const published = report.rows.map((r) => r.measured);
  const tied = (i: number, j: number) => publishedTie(published[i]!, published[j]!, spec.resolution?.relative);
  const summary = (k: KendallPairs): RankAgreement => ({ tau: k.tau, orderedPairs: k.concordant + k.discordant + k.tiesA, agree: k.concordant, reversed: k.discordant, pairs: k.pairs });
  const by = rankWithin(spec, table);
  const groupOf = new Map(table.rows.map((r) => [r.line, JSON.stringify(by.map((c) => (c === 'machine' ? r.machine : r.config[c])))]));
  const groups = report.rows.map((r) => groupOf.get(r.line));
  return {
    report,
    meanAbsError: errs.length ? errs.reduce((a, v) => a + v, 0) / errs.length : NaN,
    maxAbsError: errs.length ? Math.max(...errs) : NaN,
    ...summary(kendallPairs(simulated, published, tied)),
    ...(by.length > 0 ? { within: { by, ...summary(kendallPairs(simulated, published, tied, (i, j) => groups[i] === groups[j])) } } : {}),
  };
}

/** The columns rows are also ranked within: the table's `rank_within`, else `machine` if named. */
function rankWithin(spec: TableSpec, table: MeasuredTable): string[] {
  return spec.rank_within ?? (table.rows.some((r) => r.machine !== undefined) ? ['machine'] : []);
}
