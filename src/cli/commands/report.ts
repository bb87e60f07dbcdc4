/** `servesim report RESULTS.json`: re-render report.html (and optionally SVG/PNG charts). */
import { dirname, join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { renderHtml } from '../../report/html.js';
import { readResults } from '../../report/io.js';
import { writeChartImages } from '../../report/png.js';
import { checkOutFile, checkOutFolder, writeOutFile } from '../out-dir.js';
import { nonEmpty, printJson, printLine, type GlobalArgs } from '../shared.js';

interface ReportArgs extends GlobalArgs {
  results: string;
  out?: string;
  png?: string;
}

export const reportCommand: CommandModule<GlobalArgs, ReportArgs> = {
  command: 'report <results>',
  describe: 'Render report.html (and optionally every chart as SVG + PNG) from a results.json',
  builder: (y) =>
    y
      .positional('results', { type: 'string', demandOption: true, describe: 'results.json written by run or merge' })
      .option('out', { type: 'string', describe: 'HTML file (default: report.html beside the results)' })
      .option('png', { type: 'string', describe: 'directory for <chart>.svg and <chart>.png' })
      .example('$0 report out/quickstart/results.json', 'rewrite out/quickstart/report.html')
      .example('$0 report out/q/results.json --png out/q/charts', 'also export the charts for a paper') as Argv<ReportArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportArgs>) => {
    const results = readResults(argv.results);
    nonEmpty(argv.out, '--out');
    nonEmpty(argv.png, '--png');
    const out = argv.out ?? join(dirname(argv.results), 'report.html');
    checkOutFile(out, '--out', [argv.results]);
    if (argv.png) checkOutFolder(argv.png, '--png');
    writeOutFile(out, renderHtml(results));
    const files = [out, ...(argv.png ? await writeChartImages(results, argv.png) : [])];
    if (argv.json) printJson({ files });
    else if (!argv.quiet) printLine(`wrote ${files.join(', ')}`);
  },
};
