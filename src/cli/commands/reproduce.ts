/**
 * `servesim reproduce [NAME]`: run the published-table reproductions in reproduce/ (src/fit/
 * reproduce.ts) and print simulated vs published per row, out of the box and calibrated on one
 * row and (for a table with a machine column) calibrated on one row per machine, with the mean
 * error and Kendall's tau of each mode.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { defaultReproduceDir, listTables, reproduceTable, type ModeResult } from '../../fit/reproduce.js';
import { reproduceText } from '../../fit/text.js';
import type { Registry } from '../../scenario/types.js';
import { printJson, printLine, type GlobalArgs } from '../shared.js';

interface ReproduceArgs extends GlobalArgs {
  name?: string;
  dir?: string;
  list?: boolean;
}

export function reproduceCommand(registry: Registry): CommandModule<GlobalArgs, ReproduceArgs> {
  return {
    command: 'reproduce [name]',
    describe: 'Reproduce published MoE-offloading tables: simulated vs published, out of the box, calibrated on one row and on one row per machine',
    builder: (y) =>
      y
        .positional('name', { type: 'string', describe: 'one table (default: all); --list names them' })
        .option('dir', { type: 'string', requiresArg: true, describe: 'the suite folder (default: the reproduce/ shipped with servesim)' })
        .option('list', { type: 'boolean', default: false, describe: 'list the tables and their sources' })
        .example('$0 reproduce mixtral-offloading-table2', 'one table') as Argv<ReproduceArgs>,
    handler: async (argv: ArgumentsCamelCase<ReproduceArgs>) => {
      const root = argv.dir ?? defaultReproduceDir();
      const names = argv.name ? [argv.name] : listTables(root);
      if (argv.list) {
        for (const n of names) printLine(n);
        return;
      }
      const results = [];
      for (const n of names) {
        const t = await reproduceTable(root, n, registry);
        results.push(t);
        if (!argv.json) printLine(reproduceText(t) + '\n');
      }
      if (argv.json) {
        printJson(
          results.map((t) => ({
            name: t.name,
            source: t.spec.source,
            metric: t.spec.metric,
            resolution: t.spec.resolution ?? null,
            out_of_the_box: { mean_abs_error: t.outOfTheBox.meanAbsError, max_abs_error: t.outOfTheBox.maxAbsError, kendall_tau: t.outOfTheBox.tau, ordered_pairs: t.outOfTheBox.orderedPairs, agree: t.outOfTheBox.agree, reversed: t.outOfTheBox.reversed, pairs: t.outOfTheBox.pairs, within: withinJson(t.outOfTheBox), rows: t.outOfTheBox.report.rows },
            calibrated: { row: t.spec.calibrate.row, params: t.calibrated.report.params, mean_abs_error: t.calibrated.meanAbsError, max_abs_error: t.calibrated.maxAbsError, kendall_tau: t.calibrated.tau, ordered_pairs: t.calibrated.orderedPairs, agree: t.calibrated.agree, reversed: t.calibrated.reversed, pairs: t.calibrated.pairs, within: withinJson(t.calibrated), rows: t.calibrated.report.rows },
            // null: the table is one machine (the per-machine mode is the one-row mode).
            per_machine: t.perMachine
              ? { machines: t.perMachine.machines, mean_abs_error: t.perMachine.meanAbsError, max_abs_error: t.perMachine.maxAbsError, kendall_tau: t.perMachine.tau, ordered_pairs: t.perMachine.orderedPairs, agree: t.perMachine.agree, reversed: t.perMachine.reversed, pairs: t.perMachine.pairs, within: withinJson(t.perMachine), rows: t.perMachine.report.rows }
              : null,
          })),
        );
      }
    },
  };
}

/** The ranking within groups of rows for --json (null: no `rank_within` and no machine column). */
function withinJson(m: ModeResult): { by: string[]; kendall_tau: number; ordered_pairs: number; agree: number; reversed: number; pairs: number } | null {
  const w = m.within;
  return w ? { by: w.by, kendall_tau: w.tau, ordered_pairs: w.orderedPairs, agree: w.agree, reversed: w.reversed, pairs: w.pairs } : null;
}
