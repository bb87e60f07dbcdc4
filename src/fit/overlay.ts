/**
 * The calibration a fit produces, as an overlay: a YAML mapping of scenario paths to values
 * (`set:`), with the fit's provenance and uncertainty beside it. Scenarios have no include
 * mechanism today, so an overlay is applied as `--set` overrides (`overlaySets` gives them, and
 * the file's header prints the command line); `servesim reproduce` applies its own the same way.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify } from 'yaml';
import { InputError } from '../errors.js';
import { isPlainObject } from '../scenario/paths.js';
import type { FitReport } from './fit.js';

export interface Overlay {
  set: Record<string, number>;
}

/** Significant digits kept in an overlay: far below any fit's uncertainty. */
const DIGITS = 6;

export function overlayYaml(report: FitReport, provenance: { scenario: string; measured: string; fitRows: string[] }): string {
  const set = Object.fromEntries(report.params.map((p) => [p.path, Number(p.value.toPrecision(DIGITS))]));
  const sets = Object.entries(set).map(([k, v]) => `--set ${k}=${v}`).join(' ');
  const fit = {
    scenario: provenance.scenario,
    measured: provenance.measured,
    fit_rows: provenance.fitRows,
    params: Object.fromEntries(report.params.map((p) => [p.path, { value: set[p.path], rel_std_err: Number.isFinite(p.relStdErr) ? Number(p.relStdErr.toPrecision(3)) : null, bounds: [p.lo, p.hi], at_bound: p.atBound }])),
    in_sample_mean_abs_rel_error: round(report.summary.inSample),
    held_out_mean_abs_rel_error: round(report.summary.heldOut),
    leave_one_out_mean_abs_rel_error: round(report.summary.leaveOneOut),
  };
  return `# servesim fit overlay. Apply: servesim run ${provenance.scenario} ${sets}\n${stringify({ set, fit })}`;
}

function round(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : null;
}

export function readOverlay(file: string): Overlay {
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the overlay (${(e as Error).message.split('\n')[0]})`, { file });
  }
  const set = isPlainObject(value) ? value.set : undefined;
  if (!isPlainObject(set)) throw new InputError(`expected a mapping 'set:' of scenario paths to values`, { file, field: 'set' });
  for (const [k, v] of Object.entries(set)) if (typeof v !== 'number') throw new InputError(`expected a number, got ${JSON.stringify(v)}`, { file, field: `set.${k}` });
  return { set: set as Record<string, number> };
}

/** The overlay as `--set` overrides for runScenario / loadScenario. */
export function overlaySets(o: Overlay): string[] {
  return Object.entries(o.set).map(([k, v]) => `${k}=${v}`);
}
