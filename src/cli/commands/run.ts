/**
 * `servesim run SCENARIO`:
 *
 *   1. load      scenario file + --set/--seed -> validated plan (every problem at once, exit 2)
 *   2. run       jobs on --jobs workers (or this --shard's share), Ctrl-C keeps finished runs
 *   3. write     results.json, results.csv, report.html (+ --png charts)
 *   4. print     a compact table (or --json)
 */
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { writeChartImages } from '../../report/png.js';
import { writeOutputs } from '../../report/io.js';
import { resultsTable } from '../../report/text.js';
import { loadScenario } from '../../scenario/load.js';
import { parseShard } from '../../scenario/plan.js';
import { runPlan } from '../../scenario/runner.js';
import type { Registry } from '../../scenario/types.js';
import { EXIT, note, positiveInt, printJson, printLine, ProgressBar, type GlobalArgs } from '../shared.js';

interface RunArgs extends GlobalArgs {
  scenario: string;
  out?: string;
  seed?: number;
  set?: string[];
  jobs?: number;
  shard?: string;
  resume?: boolean;
  html?: boolean;
  png?: string;
}

/** `registryModule`: what worker threads import for the registry (default dist/src/registry.js). */
export function runCommand(registry: Registry, registryModule?: string): CommandModule<GlobalArgs, RunArgs> {
  return {
    command: 'run <scenario>',
    describe: 'Run every policy of a scenario on the same workload; write results.json, results.csv, report.html',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
        .option('out', { type: 'string', describe: 'output directory (default out/<scenario name>[/shard-I-of-N])' })
        .option('seed', { type: 'number', describe: 'base seed (same as --set seed=N)' })
        .option('set', { type: 'string', array: true, describe: 'override a field: path=value (YAML value); policy.X=v sets X in every policy' })
        .option('jobs', { alias: 'j', type: 'number', describe: 'parallel worker threads (default: all cores; 1 = this thread)' })
        .option('shard', { type: 'string', describe: 'run shard I of N (0-based, I/N) of the sweep; join with `servesim merge`' })
        .option('resume', { type: 'boolean', default: false, describe: 'skip runs already finished in --out (after Ctrl-C or a killed job)' })
        .option('html', { type: 'boolean', default: true, describe: 'write report.html (--no-html to skip)' })
        .option('png', { type: 'string', describe: 'also write every chart as SVG and PNG into this directory' })
        .example('$0 run scenarios/quickstart.yaml --out out/quickstart', 'run the quick-start study and write its report')
        .example("$0 run s.yaml --set workload.generator.rps=6 --set 'policy.max_batch=8' -j 4", 'override fields, 4 worker threads')
        .example('$0 run s.yaml --shard 3/16 --out out/s/shard-3', 'run one slice of a big sweep (see docs/cli.md for Slurm/Kubernetes)') as Argv<RunArgs>,
    handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
      // 1. load
      const loaded = loadScenario(argv.scenario, { registry, set: argv.set, seed: argv.seed });
      const plan = loaded.plan;
      const shard = argv.shard !== undefined ? parseShard(argv.shard) : undefined;
      const out = argv.out ?? join('out', plan.name, ...(shard ? [`shard-${shard.index}-of-${shard.count}`] : []));
      const jobs = positiveInt(argv.jobs, '--jobs');

      // 2. run, with Ctrl-C: first stops cleanly, second quits now
      const controller = new AbortController();
      const bar = new ProgressBar(argv, plan.name);
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        bar.stop();
        note(argv, 'servesim: stopping: waiting for running simulations to stop (Ctrl-C again to quit at once)');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      let outcome;
      try {
        outcome = await runPlan(plan, { registry, jobs, shard, signal: controller.signal, onProgress: (p) => bar.update(p), outDir: out, resume: argv.resume, registryModule });
      } finally {
        process.off('SIGINT', onSigint);
        bar.stop();
      }
      const r = outcome.results;

      // 3. write
      const files = writeOutputs(r, out, { html: argv.html });
      if (argv.png) files.push(...(await writeChartImages(r, argv.png)));

      // 4. print
      if (argv.json) {
        printJson({
          out,
          files,
          complete: r.complete,
          interrupted: outcome.interrupted,
          runs: { total: outcome.total, ran: outcome.ran, resumed: outcome.resumed, missing: r.missing.length },
          headline: r.headline,
          results: r.runs.map((x) => ({ policy: x.policy, params: x.params, metrics: x.metrics, intervals: x.intervals })),
        });
      } else if (!argv.quiet) {
        printLine(resultsTable(r));
        printLine();
        printLine(`wrote ${files.join(', ')}`);
      }
      if (outcome.resumed > 0) note(argv, `servesim: resumed ${outcome.resumed} finished run(s) from ${out}`);
      if (outcome.interrupted) {
        note(argv, `servesim: interrupted: ${outcome.resumed + outcome.ran} of ${outcome.total} runs finished and saved in ${out}; rerun with --resume to finish`);
        process.exitCode = EXIT.interrupted;
      } else if (shard) {
        note(argv, `servesim: shard ${shard.index}/${shard.count} done; join all shards with: servesim merge <dirs>/results.json --out DIR`);
      }
    },
  };
}
