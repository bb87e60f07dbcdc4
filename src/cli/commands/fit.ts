/**
 * `servesim fit SCENARIO --measured runs.csv --free PATH[=LO:HI]... [--fit-rows SEL] [--out FILE]`:
 * calibrate free parameters to measured runs (src/fit) and print the fitted values, the error per
 * run (in-sample, leave-one-out, held-out prediction); --out writes the overlay YAML.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { fitMeasured, parseFree, readMeasured, scenarioEvaluator, selectRows, overlayYaml } from '../../fit/index.js';
import { fitText } from '../../fit/text.js';
import { readScenarioSource } from '../../scenario/source.js';
import type { Registry } from '../../scenario/types.js';
import { checkOutFile, writeOutFile } from '../out-dir.js';
import { nonEmpty, note, printJson, printLine, type GlobalArgs } from '../shared.js';

interface FitArgs extends GlobalArgs {
  scenario: string;
  measured: string;
  free?: string[];
  fitRows?: string;
  out?: string;
  loo?: boolean;
}

export function fitCommand(registry: Registry): CommandModule<GlobalArgs, FitArgs> {
  return {
    command: 'fit <scenario>',
    describe: 'Fit free scenario parameters to measured runs (least squares on relative error); predict held-out runs',
    builder: (y) =>
      y
        .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML (one policy, or a policy column in the CSV)' })
        .option('measured', { type: 'string', demandOption: true, requiresArg: true, describe: 'CSV: scenario-path columns (configuration) + metric columns (measured)' })
        .option('free', { type: 'string', array: true, requiresArg: true, describe: 'PATH[=LO:HI] to fit (repeatable); no bounds = a decade around the scenario value' })
        .option('fit-rows', { type: 'string', requiresArg: true, describe: 'rows to fit on (1-based, ranges, labels: 1 | 1,3 | 2-4); the rest are predicted' })
        .option('loo', { type: 'boolean', default: true, describe: 'leave-one-out error per fit row (--no-loo to skip)' })
        .option('out', { type: 'string', requiresArg: true, describe: 'write the overlay YAML (fitted values as --set paths) here' })
        .example('$0 fit s.yaml --measured runs.csv --free hardware.pcie_efficiency=0.05:1 --fit-rows 1 --out calib.yaml', 'fit on the first run, predict the others') as Argv<FitArgs>,
    handler: async (argv: ArgumentsCamelCase<FitArgs>) => {
      const source = readScenarioSource(argv.scenario);
      nonEmpty(argv.out, '--out');
      // Checked before the fit, so a typo costs nothing and never replaces the scenario or the runs.
      if (argv.out !== undefined) checkOutFile(argv.out, '--out', [argv.scenario, argv.measured]);
      const table = readMeasured(argv.measured);
      const free = (argv.free ?? []).map((f) => parseFree(f, source.value));
      const dup = free.find((f, i) => free.findIndex((g) => g.path === f.path) !== i);
      if (dup) throw new InputError(`--free ${dup.path} is given twice`);
      const clash = free.find((f) => table.paths.includes(f.path));
      if (clash) throw new InputError(`--free ${clash.path}: the CSV also sets it per row (column '${clash.path}'); a path is either measured configuration or free`, { file: table.file, line: 1, field: clash.path });
      const fitRows = argv.fitRows !== undefined ? selectRows(table, argv.fitRows) : undefined;
      if (free.length === 0) note(argv, 'servesim: no --free parameters: reporting the out-of-the-box error');
      const evaluate = scenarioEvaluator(argv.scenario, { measuredFile: argv.measured, registry });
      const report = await fitMeasured(table, evaluate, { free, ...(fitRows ? { fitRows } : {}), leaveOneOut: argv.loo });
      // A failed write (disk full) still prints the fit: the work is not lost with the file.
      let unwritten: unknown;
      if (argv.out) {
        const rows = (fitRows ?? table.rows.map((_, i) => i)).map((i) => table.rows[i]!.label);
        try {
          writeOutFile(argv.out, overlayYaml(report, { scenario: argv.scenario, measured: argv.measured, fitRows: rows }));
        } catch (e) {
          unwritten = e;
        }
      }
      const wrote = argv.out !== undefined && unwritten === undefined;
      if (argv.json) printJson({ ...report, ...(wrote ? { overlay: argv.out } : {}) });
      else {
        printLine(fitText(report));
        if (wrote) printLine(`wrote ${argv.out}`);
      }
      if (unwritten !== undefined) throw unwritten;
    },
  };
}
