/** Plain-text tables of a fit report (and of a reproduction, which is two fit reports). */
import type { ModeResult, RankAgreement, TableResult } from './reproduce.js';
import type { FitReport } from './fit.js';

export function textTable(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function pct(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%` : '-';
}

/** A mean |error|: no sign. */
export function absPct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-';
}

export function num(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

export function fitText(r: FitReport): string {
  const out: string[] = [];
  if (r.params.length > 0) {
    out.push(
      textTable(
        ['parameter', 'value', 'rel. s.e.', 'bounds', 'note'],
        r.params.map((p) => [p.path, num(p.value), Number.isFinite(p.relStdErr) ? `±${(p.relStdErr * 100).toFixed(1)}%` : 'n/a (exactly determined)', `${num(p.lo)}..${num(p.hi)}`, p.atBound ? 'at a bound' : '']),
      ),
      '',
    );
  }
  out.push(
    textTable(
      ['row', 'role', 'metric', 'measured', 'simulated', 'error', 'LOO error'],
      r.rows.map((x) => [x.label, x.role, x.metric, num(x.measured), num(x.simulated), pct(x.relError), pct(x.looRelError)]),
      3,
    ),
    '',
    `mean |error|: in-sample ${absPct(r.summary.inSample)}, held-out (prediction) ${absPct(r.summary.heldOut)}, leave-one-out ${absPct(r.summary.leaveOneOut)}; ${r.evaluations} evaluations`,
  );
  return out.join('\n');
}

/**
 * Kendall tau-b with the pairs it rests on. Where the published values tie pairs (equal, or within
 * the table's resolution), tau-b counts a pair the simulator orders and the publication does not
 * against it, so the pairs the publication does order are spelled out: how many the simulator
 * orders as published and how many the other way. None ordered: no ranking to check.
 */
function tauText(m: ModeResult): string {
  const one = (k: RankAgreement, label: string, what: string) => {
    if (k.orderedPairs === 0) return `${label} n/a (the published values order none of the ${k.pairs} ${what})`;
    if (k.orderedPairs < k.pairs) return `${label} ${num(k.tau)} over ${k.pairs} ${what}; of the ${k.orderedPairs} the published values order, ${k.agree} as published, ${k.reversed} reversed`;
    return `${label} ${num(k.tau)} (${k.pairs} ${what})`;
  };
  const all = one(m, 'Kendall tau', 'row pairs');
  const w = m.within;
  if (!w) return all;
  const where = w.by.length === 1 && w.by[0] === 'machine' ? 'a machine' : `one ${w.by.join(', ')}`;
  return `${all}; within ${where}: ${one(w, 'tau', 'pairs')}`;
}

export function reproduceText(t: TableResult): string {
  const s = t.spec;
  const cal = new Map(t.calibrated.report.rows.map((r) => [r.line, r]));
  const pm = t.perMachine ? new Map(t.perMachine.report.rows.map((r) => [r.line, r])) : undefined;
  const values = (ps: TableResult['calibrated']['report']['params']) => ps.map((p) => `${p.path} = ${num(p.value)}${p.atBound ? ' (at a bound)' : ''}`).join(', ');
  const head = [
    `${t.name}: ${s.title}`,
    `  source: ${s.source.paper}${s.source.arxiv ? ` (arXiv ${s.source.arxiv})` : ''}, ${s.source.table}; ${s.source.url}`,
    `  hardware: ${s.source.hardware}`,
    `  calibrated on '${s.calibrate.row}': ${values(t.calibrated.report.params)}`,
    ...(t.perMachine ? t.perMachine.machines.map((m) => `  per machine, ${m.machine} on '${m.row}': ${values(m.params)}`) : []),
    '',
  ];
  const cell = (c: { simulated: number; relError: number; role: string }) => [num(c.simulated), c.role === 'fit' ? `${pct(c.relError)} (fit)` : pct(c.relError)];
  const rows = t.outOfTheBox.report.rows.map((o) => [o.label, num(o.measured), num(o.simulated), pct(o.relError), ...cell(cal.get(o.line)!), ...(pm ? cell(pm.get(o.line)!) : [])]);
  const m = s.metric;
  const table = textTable(['row', `published ${m}`, 'out of the box', 'error', 'calibrated', 'error', ...(pm ? ['per machine', 'error'] : [])], rows);
  const sum = [
    '',
    `  out of the box:        mean |error| ${absPct(t.outOfTheBox.meanAbsError)} (max ${absPct(t.outOfTheBox.maxAbsError)}), ${tauText(t.outOfTheBox)}`,
    `  calibrated on one row: mean |error| ${absPct(t.calibrated.meanAbsError)} over the ${rows.length - 1} predicted rows (max ${absPct(t.calibrated.maxAbsError)}), ${tauText(t.calibrated)}`,
    t.perMachine
      ? `  calibrated per machine (one row on each of ${t.perMachine.machines.length}): mean |error| ${absPct(t.perMachine.meanAbsError)} over the ${rows.length - t.perMachine.machines.length} predicted rows (max ${absPct(t.perMachine.maxAbsError)}), ${tauText(t.perMachine)}`
      : '  calibrated per machine: one machine, the same as calibrated on one row',
    ...(s.resolution ? [`  published values within ${absPct(s.resolution.relative)} of each other are ties: ${s.resolution.source.trim()}`] : []),
    `  (${t.seconds.toFixed(1)} s)`,
  ];
  return [...head, table, ...sum].join('\n');
}
