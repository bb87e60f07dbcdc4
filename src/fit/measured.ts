/**
 * The measured-runs CSV of `servesim fit`: one row per run of the real system. Columns:
 *  - `label` (optional): the row's name in reports (default: `line N`);
 *  - `policy` (optional): which of the scenario's policies (by label) the run used;
 *  - `machine` (optional): the host the run was measured on (carried, not simulated: `servesim
 *    reproduce`'s per-machine mode calibrates each machine on its own row);
 *  - scenario paths (`hardware.gpu`, `policy.cache_experts`, `workload.prompt_tokens`, ...): the
 *    configuration the run had, a YAML scalar per cell, an empty cell = the scenario's value;
 *  - everything else: a measured metric, named as in results.json (`tokens_per_s`, `tpot_ms.mean`
 *    or `tpot_ms_mean`), a positive number, an empty cell = not measured in that run.
 * A column is a path when its first segment is a scenario section (below); so a metric can never
 * be mistaken for a setting.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';
import { DECIMAL } from '../workloads/csv.js';

/** First segments that make a column a scenario path. */
const SECTIONS = new Set(['hardware', 'model', 'workload', 'policy', 'policies', 'warmup', 'slo', 'seed', 'replications']);


/** Columns that are neither a setting nor a metric. */
const RESERVED = new Set(['label', 'policy', 'machine']);

export interface MeasuredRow {
  /** 1-based line in the CSV file. */
  line: number;
  label: string;
  /** Policy label, when the CSV names one. */
  policy?: string;
  /** The host the run was measured on, when the CSV names one. */
  machine?: string;
  /** Scenario path -> value for this run. */
  config: Record<string, unknown>;
  /** Metric name as written in the header -> measured value. */
  measured: Record<string, number>;
}

export interface MeasuredTable {
  file: string;
  rows: MeasuredRow[];
  /** Metric columns, in header order. */
  metrics: string[];
  /** Path columns, in header order. */
  paths: string[];
}

export function isScenarioPath(column: string): boolean {
  return SECTIONS.has(column.split(/[.[]/)[0]!);
}

export function readMeasured(file: string): MeasuredTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the measured runs (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  return parseMeasured(text, file);
}

export function parseMeasured(text: string, file: string): MeasuredTable {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, comment: '#', relax_column_count: false }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new InputError(`malformed CSV: ${err.message.split('\n')[0]}`, { file, ...(err.lines ? { line: err.lines } : {}) });
  }
  const [header, ...body] = records;
  if (!header || body.length === 0) throw new InputError('expected a header and at least one measured run', { file, line: 1 });
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new InputError('an empty column name in the header', { file, line: 1 });
    if (seen.has(h)) throw new InputError(`column '${h}' appears twice`, { file, line: 1, field: h });
    seen.add(h);
  }
  const paths = header.filter((h) => !RESERVED.has(h) && isScenarioPath(h));
  const metrics = header.filter((h) => !RESERVED.has(h) && !isScenarioPath(h));
  if (metrics.length === 0) throw new InputError(`no measured metric column (a column that is not a scenario path, e.g. tokens_per_s)`, { file, line: 1 });
  // `tpot_ms.mean` and `tpot_ms_mean` name one metric: two columns of it would count it twice.
  const byMetric = new Map<string, string>();
  for (const m of metrics) {
    const other = byMetric.get(m.replace(/\./g, '_'));
    if (other !== undefined) throw new InputError(`columns '${other}' and '${m}' name the same metric`, { file, line: 1, field: m });
    byMetric.set(m.replace(/\./g, '_'), m);
  }
  // Data lines: csv-parse skips comments and blank lines, so recover each record's line by counting.
  const lineOf = recordLines(text);
  const rows = body.map((cells, k): MeasuredRow => {
    const line = lineOf[k + 1] ?? k + 2;
    const row: MeasuredRow = { line, label: `line ${line}`, config: {}, measured: {} };
    header.forEach((h, i) => {
      const cell = cells[i] ?? '';
      if (cell === '') return;
      if (h === 'label') row.label = cell;
      else if (h === 'policy') row.policy = cell;
      else if (h === 'machine') row.machine = cell;
      else if (isScenarioPath(h)) row.config[h] = scalar(cell);
      else {
        const v = DECIMAL.test(cell) ? Number(cell) : NaN;
        if (!Number.isFinite(v) || v <= 0) throw new InputError(`expected a positive measured value, got '${cell}'`, { file, line, field: h });
        row.measured[h] = v;
      }
    });
    if (Object.keys(row.measured).length === 0) throw new InputError('the row measures no metric', { file, line });
    return row;
  });
  // Labels name rows in --fit-rows and calibrate.row: one label, one row.
  const labelled = new Map<string, number>();
  for (const r of rows) {
    const first = labelled.get(r.label);
    if (first !== undefined) throw new InputError(`duplicate label '${r.label}' (also line ${first}); labels name the rows`, { file, line: r.line, field: 'label' });
    labelled.set(r.label, r.line);
  }
  return { file, rows, metrics, paths };
}

function scalar(cell: string): unknown {
  try {
    const v: unknown = parseYaml(cell);
    return v === null ? cell : v;
  } catch {
    return cell;
  }
}

/** 1-based line of each non-blank, non-comment line (records never span lines in these files). */
function recordLines(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    const t = l.trim();
    if (t !== '' && !t.startsWith('#')) out.push(i + 1);
  });
  return out;
}
