/** `servesim merge SHARD.json... --out DIR`: join the shards of a sharded run. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readResults, writeOutputs } from '../../report/io.js';
import { writeChartImages } from '../../report/png.js';
import { resultsTable } from '../../report/text.js';
import { mergeRequests, mergeResults } from '../../scenario/merge.js';
import { checkOutFolder } from '../out-dir.js';
import { nonEmpty, note, printJson, printLine, type GlobalArgs } from '../shared.js';

interface MergeArgs extends GlobalArgs {
  results: string[];
  out: string;
  html?: boolean;
  png?: string;
  requests?: boolean;
}

export const mergeCommand: CommandModule<GlobalArgs, MergeArgs> = {
  command: 'merge <results..>',
  describe: 'Join the results.json of the shards of one scenario (run --shard I/N) into one result',
  builder: (y) =>
    y
      .positional('results', { type: 'string', array: true, demandOption: true, describe: 'results.json of each shard' })
      .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'output directory' })
      .option('html', { type: 'boolean', default: true, describe: 'write report.html (--no-html to skip)' })
      .option('requests', { type: 'boolean', default: true, describe: "join the shards' requests.csv (--no-requests to skip)" })
      .option('png', { type: 'string', requiresArg: true, describe: 'also write every chart as SVG and PNG into this directory' })
      .example('$0 merge out/s/shard-*/results.json --out out/s', 'join all shards of scenario s') as Argv<MergeArgs>,
  handler: async (argv: ArgumentsCamelCase<MergeArgs>) => {
    const files = argv.results.map((path) => ({ path, results: readResults(path) }));
    nonEmpty(argv.out, '--out');
    nonEmpty(argv.png, '--png');
    checkOutFolder(argv.out, '--out', 'out/s');
    if (argv.png) checkOutFolder(argv.png, '--png');
    const merged = mergeResults(files);
    const written = writeOutputs(merged, argv.out, { html: argv.html });
    if (argv.requests) {
      const req = await mergeRequests(files, argv.out);
      if (req.file) written.push(req.file);
      else note(argv, `servesim: no requests.csv written: ${req.missing.length} shard(s) have none (run with --no-requests?): ${req.missing.slice(0, 3).join(', ')}`);
    }
    if (argv.png) written.push(...(await writeChartImages(merged, argv.png)));
    if (!merged.complete) note(argv, `servesim: warning: ${merged.missing.length} run(s) missing (a shard not given or not finished): ${merged.missing.slice(0, 5).join(', ')}${merged.missing.length > 5 ? ', ...' : ''}`);
    if (argv.json) printJson({ files: written, complete: merged.complete, missing: merged.missing });
    else if (!argv.quiet) {
      printLine(resultsTable(merged));
      printLine();
      printLine(`wrote ${written.join(', ')}`);
    }
    if (!merged.complete) process.exitCode = 2;
  },
};
