/**
 * The reproduction suite: published tables of measured serving speed, each a folder under
 * reproduce/ with
 *   table.yaml     the source (paper, arXiv id, table number, hardware), the metric compared and
 *                  the calibration (one row, the free parameters fitted on it);
 *   published.csv  the published numbers as measured runs (servesim fit's CSV: scenario-path
 *                  columns for each row's configuration, the metric column);
 *   scenario.yaml  what all rows share (model, quantisation-derived expert bytes, policy).
 * Two modes per table: out of the box (the scenario as it is) and calibrated on one row (the free
 * parameters fitted to that row alone, every other row predicted). Reported per mode: the relative
 * error per row, the mean |error| (over the predicted rows only, in the calibrated mode) and
 * Kendall's tau between the simulated and published orderings of all rows.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { Registry } from '../scenario/types.js';
import { scenarioEvaluator } from './evaluate.js';
import { fitMeasured, type FitReport } from './fit.js';
import { kendallTau } from './kendall.js';
import { readMeasured } from './measured.js';

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
        free: z.array(z.object({ path: z.string(), lo: z.number().positive(), hi: z.number().positive() }).strict()).min(1),
      })
      .strict(),
    notes: z.string().optional(),
  })
  .strict();
export type TableSpec = z.infer<typeof tableSchema>;

export interface ModeResult {
  report: FitReport;
  /** Mean |relative error|: every row out of the box; the predicted rows when calibrated. */
  meanAbsError: number;
  maxAbsError: number;
  /** Kendall's tau-b between simulated and published values over all rows. */
  tau: number;
}

export interface TableResult {
  name: string;
  spec: TableSpec;
  outOfTheBox: ModeResult;
  calibrated: ModeResult;
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
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'table.yaml')))
    .sort();
}

export function readTableSpec(dir: string): TableSpec {
  const file = join(dir, 'table.yaml');
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read (${(e as Error).message.split('\n')[0]})`, { file });
  }
  const parsed = tableSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.message, { file, field: issue.path.join('.') });
  }
  return parsed.data;
}

export async function reproduceTable(root: string, name: string, registry?: Registry): Promise<TableResult> {
  const started = Date.now();
  const dir = join(root, name);
  if (!existsSync(join(dir, 'table.yaml'))) throw new InputError(`no table '${name}' in ${root} (tables: ${listTables(root).join(', ')})`);
  const spec = readTableSpec(dir);
  const measuredFile = join(dir, spec.published);
  const table = readMeasured(measuredFile);
  for (const r of table.rows) {
    if (Object.keys(r.measured).join() !== spec.metric) throw new InputError(`each row must give exactly the metric '${spec.metric}'`, { file: measuredFile, line: r.line });
  }
  const calIdx = table.rows.findIndex((r) => r.label === spec.calibrate.row);
  if (calIdx < 0) throw new InputError(`calibrate.row '${spec.calibrate.row}' is not a row label of ${spec.published}`, { file: join(dir, 'table.yaml'), field: 'calibrate.row' });
  const evaluate = scenarioEvaluator(join(dir, spec.scenario), { measuredFile, ...(registry ? { registry } : {}) });
  const oob = await fitMeasured(table, evaluate, { free: [], leaveOneOut: false });
  const cal = await fitMeasured(table, evaluate, { free: spec.calibrate.free, fitRows: [calIdx], leaveOneOut: false });
  return {
    name,
    spec,
    outOfTheBox: mode(oob, () => true),
    calibrated: mode(cal, (r) => r.role === 'held-out'),
    seconds: (Date.now() - started) / 1000,
  };
}

function mode(report: FitReport, scored: (r: FitReport['rows'][number]) => boolean): ModeResult {
  const errs = report.rows.filter(scored).map((r) => Math.abs(r.relError));
  return {
    report,
    meanAbsError: errs.length ? errs.reduce((a, v) => a + v, 0) / errs.length : NaN,
    maxAbsError: errs.length ? Math.max(...errs) : NaN,
    tau: kendallTau(
      report.rows.map((r) => r.simulated),
      report.rows.map((r) => r.measured),
    ),
  };
}
