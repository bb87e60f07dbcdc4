/**
 * `servesim run SCENARIO`:
 *
 *   1. load      scenario file + --set/--seed -> validated plan (every problem at once, exit 2);
 *                the output folder (never overwritten without --force) and the work estimate
 *                (how long; refused when it cannot finish) are checked before anything runs
 *   2. run       jobs on --jobs workers (or this --shard's share), Ctrl-C keeps finished runs
 *   3. write     results.json, results.csv, report.html (+ --png charts); requests.csv streamed by the runs
 *   4. timeline  with --timeline: one designated run again, traced, as a Chrome trace-event file
 *   5. print     a compact table (or --json: results.json itself on stdout, notes on stderr)
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { isUserError } from '../../errors.js';
import { removeParts } from '../../scenario/requests.js';
import { writeChartImages } from '../../report/png.js';
import { writeOutputs } from '../../report/io.js';
import { resultsTable } from '../../report/text.js';
import { loadScenario } from '../../scenario/load.js';
import { DEFAULT_LIMITS, estimateFromUnits, judge, unitsPerJob } from '../../scenario/estimate.js';
import { inShard, jobsOf, parseShard } from '../../scenario/plan.js';
import { CHECKPOINT_FILE, runPlan } from '../../scenario/runner.js';
import { parseWindow, recordTimeline, timelineJob, DEFAULT_TIMELINE_EVENTS, type TimelineResult } from '../../scenario/timeline.js';
import type { Registry } from '../../scenario/types.js';
import { checkOutDir, checkOutFile, checkOutFolder, defaultOutDir, writeOutFile } from '../out-dir.js';
import { EXIT, InputError, nonEmpty, nonNegativeInt, note, positiveInt, seedFlag, printLine, ProgressBar, UsageError, type GlobalArgs } from '../shared.js';

interface RunArgs extends GlobalArgs {
  scenario: string;
  out?: string;
  seed?: string;
  set?: string[];
  jobs?: string;
  shard?: string;
  resume?: boolean;
  force?: boolean;
  yes?: boolean;
  html?: boolean;
  requests?: boolean;
  png?: string;
  timeline?: string;
  window?: string;
  timelineMaxEvents?: string;
  timelineRun?: string;
  timelinePoint?: string;
}

/** `registryModule`: what worker threads import for the registry (default dist/src/registry.js). */
export function runCommand(registry: Registry, registryModule?: string): CommandModule<GlobalArgs, RunArgs> {
  return {
    command: 'run <scenario>',
    describe: 'Run every policy of a scenario on the same workload; write results.json, results.csv, report.html',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
        .option('out', { type: 'string', requiresArg: true, describe: 'output folder (default out/<scenario file name>[/shard-I-of-N]); refused if not empty, unless --force' })
        .option('force', { type: 'boolean', default: false, describe: 'write into a non-empty output folder, replacing the results there' })
        .option('yes', { type: 'boolean', default: false, describe: 'run even when the work estimate says it takes more than a day' })
        .option('seed', { type: 'string', requiresArg: true, describe: 'base seed (same as --set seed=N)' })
        .option('set', { type: 'string', array: true, requiresArg: true, describe: 'override a field: path=value (YAML value); policy.X=v sets X in every policy' })
        .option('jobs', { alias: 'j', type: 'string', requiresArg: true, describe: 'parallel worker threads (default: all cores; 1 = this thread)' })
        .option('shard', { type: 'string', requiresArg: true, describe: 'run shard I of N (0-based, I/N) of the sweep; join with `servesim merge`' })
        .option('resume', { type: 'boolean', default: false, describe: 'skip runs already finished in --out (after Ctrl-C or a killed job)' })
        .option('html', { type: 'boolean', default: true, describe: 'write report.html (--no-html to skip)' })
        .option('requests', { type: 'boolean', default: true, describe: 'write requests.csv, one row per request of every run (--no-requests to skip: big runs)' })
        .option('png', { type: 'string', requiresArg: true, describe: 'also write every chart as SVG and PNG into this directory' })
        .option('timeline', { type: 'string', requiresArg: true, describe: 'write the activity of one run (first policy, first sweep point, replication 0) as a Chrome trace-event JSON file (Perfetto)' })
        .option('window', { type: 'string', requiresArg: true, describe: 'with --timeline: simulated seconds START:END to keep (e.g. 10:12.5, :30)' })
        .option('timeline-max-events', { type: 'string', requiresArg: true, describe: `with --timeline: cap on events kept (default ${DEFAULT_TIMELINE_EVENTS}); the file says where it stops being complete` })
        .option('timeline-run', { type: 'string', requiresArg: true, describe: 'with --timeline: the policy label to record (default the first policy)' })
        .option('timeline-point', { type: 'string', requiresArg: true, describe: 'with --timeline: the sweep point index to record (default 0)' })
        .example('$0 run scenarios/quickstart.yaml --force', 'run the quick-start study into out/quickstart, replacing an earlier run')
        .example("$0 run s.yaml --set workload.generator.rps=6 --set 'policy.max_batch=8' -j 4", 'override fields, 4 worker threads')
        .example('$0 run s.yaml --timeline out/s/timeline.json --window 10:12', 'also write 2 simulated seconds of the first run for Perfetto')
        .example('$0 run s.yaml --shard 3/16 --out out/s/shard-3', 'run one slice of a big sweep (see docs/cli.md for Slurm/Kubernetes)') as Argv<RunArgs>,
    handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
      // 1. load (flags first: a bad flag is reported before the scenario is read)
      const seed = seedFlag(argv.seed);
      const jobs = positiveInt(argv.jobs, '--jobs');
      nonEmpty(argv.out, '--out');
      nonEmpty(argv.png, '--png');
      const loaded = loadScenario(argv.scenario, { registry, set: argv.set, seed });
      const plan = loaded.plan;
      for (const line of loaded.notes) note(argv, `servesim: ${line}`);
      const shard = argv.shard !== undefined ? parseShard(argv.shard) : undefined;
      const out = argv.out ?? defaultOutDir(argv.scenario, shard);
      // Timeline flags are checked before anything runs, so a typo costs nothing.
      const timeline = timelineOptions(argv);
      if (timeline) timelineJob(plan, timeline);
      if (timeline) checkOutFile(timeline.file, '--timeline', [argv.scenario]);
      if (argv.png) checkOutFolder(argv.png, '--png');
      checkOutDir(out, { force: argv.force, resume: argv.resume, flag: argv.out === undefined ? 'the default output folder' : '--out' });
      const fresh = !existsSync(out);
      const width = estimateOrRefuse(loaded, argv, jobs, shard);
      // 2. run. Ctrl-C (SIGINT) or a kill (SIGTERM, as job schedulers send before SIGKILL): the
      // first stops cleanly and saves what finished; a second quits at once.
      const controller = new AbortController();
      const bar = new ProgressBar(argv, plan.name);
      let exitCode: number = EXIT.interrupted;
      const onSignal = (sig: NodeJS.Signals) => {
        const code = sig === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
        if (controller.signal.aborted) process.exit(code);
        exitCode = code;
        bar.stop();
        note(argv, `servesim: ${sig}: stopping; saving the finished runs (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again to quit at once)`);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let outcome;
      try {
        outcome = await runPlan(plan, { registry, jobs: width ?? jobs, shard, signal: controller.signal, onProgress: (p) => bar.update(p), outDir: out, resume: argv.resume, registryModule, requests: argv.requests });
      } catch (e) {
        // Bad input found mid-run (a trace row): nothing to resume from, so leave no folder behind.
        if (isUserError(e) && !argv.resume) removeCheckpoint(out, fresh);
        throw e;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        bar.stop();
      }
      const r = outcome.results;

      // 3. write
      const files = writeOutputs(r, out, { html: argv.html });
      if (outcome.requestsFile) files.push(outcome.requestsFile);
      else if (argv.requests) note(argv, `servesim: no requests.csv: runs resumed from ${out} have no per-request rows (they ran with --no-requests)`);
      if (argv.png) files.push(...(await writeChartImages(r, argv.png)));

      // 4. timeline
      let tl: TimelineResult | undefined;
      if (timeline && !outcome.interrupted) {
        tl = await recordTimeline(registry, plan, { ...timeline, signal: controller.signal });
        writeOutFile(timeline.file, JSON.stringify(tl.trace) + '\n');
        files.push(timeline.file);
      }

      // 5. print. --json: stdout is results.json, byte for byte; everything else goes to stderr.
      if (argv.json) {
        process.stdout.write(readFileSync(join(out, 'results.json'), 'utf8'));
        note(argv, `servesim: wrote ${files.join(', ')}`);
      } else if (!argv.quiet) {
        printLine(resultsTable(r));
        printLine();
        printLine(`wrote ${files.join(', ')}`);
      }
      if (tl && !argv.quiet) {
        const cut = tl.dropped > 0 ? `; cap reached: complete until ${tl.completeUntil} s, ${tl.dropped} events dropped` : '';
        const line = `timeline of ${tl.run}: ${tl.slices} slices, ${tl.counters} counter samples${cut}`;
        if (argv.json) note(argv, `servesim: ${line}`);
        else printLine(line);
      }
      if (outcome.resumed > 0) note(argv, `servesim: resumed ${outcome.resumed} finished run(s) from ${out}`);
      if (outcome.interrupted) {
        // Printed even with --quiet: the user must learn that the results are partial.
        process.stderr.write(`servesim: interrupted: ${outcome.resumed + outcome.ran} of ${outcome.total} runs finished and saved in ${out}; rerun with --resume to finish\n`);
        process.exitCode = exitCode;
      } else if (shard) {
        note(argv, `servesim: shard ${shard.index}/${shard.count} done; join all shards with: servesim merge <dirs>/results.json --out DIR`);
      }
    },
  };
}

/**
 * The work estimate: a note when the run takes more than a few seconds, a refusal (exit 2) when
 * it cannot finish here (memory) or would take more than a day without --yes. Returns the thread
 * count when it must be lowered to fit the runs' samples in memory.
 */
function estimateOrRefuse(loaded: ReturnType<typeof loadScenario>, argv: RunArgs, jobs: number | undefined, shard: ReturnType<typeof parseShard> | undefined): number | undefined {
  const plan = loaded.plan;
  const mine = jobsOf(plan).filter((j) => inShard(plan, j, shard));
  const units = unitsPerJob(loaded.system, plan, mine);
  if (!units) return undefined;
  const est = estimateFromUnits(loaded.system, units, jobs ?? availableParallelism());
  if (!est) return undefined;
  // A cgroup's limit (containers, Slurm) when there is one, else the machine's memory.
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const memoryBytes = constrained && constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  const v = judge(est, { ...DEFAULT_LIMITS, memoryBytes, yes: argv.yes === true, jobsGiven: jobs !== undefined });
  if (v.refuse) throw new InputError(v.refuse);
  if (v.note) note(argv, `servesim: ${v.note}`);
  return v.width;
}

/** After a failed run: drop the checkpoint, and the folder if this run created it and it is empty. */
function removeCheckpoint(dir: string, created: boolean): void {
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  removeParts(dir);
  try {
    if (created && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // already gone
  }
}

interface TimelineFlags {
  file: string;
  policy?: string;
  point?: number;
  window?: { start: number; end: number };
  maxEvents?: number;
}

/** The --timeline flags, checked; undefined without --timeline (the other flags then need it). */
function timelineOptions(argv: RunArgs): TimelineFlags | undefined {
  if (argv.timeline === undefined) {
    const stray = (['window', 'timelineMaxEvents', 'timelineRun', 'timelinePoint'] as const).find((k) => argv[k] !== undefined);
    if (stray) throw new UsageError(`--${stray.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} needs --timeline FILE.json`);
    return undefined;
  }
  if (argv.timeline === '') throw new UsageError('--timeline expects a file name (e.g. out/timeline.json)');
  // Strings, checked here: yargs' `number` type turns 'abc' into NaN before anyone sees what was typed.
  const point = nonNegativeInt(argv.timelinePoint, '--timeline-point', 'a sweep point index >= 0');
  return {
    file: argv.timeline,
    ...(argv.timelineRun !== undefined ? { policy: argv.timelineRun } : {}),
    ...(point !== undefined ? { point } : {}),
    ...(argv.window !== undefined ? { window: parseWindow(String(argv.window)) } : {}),
    ...(argv.timelineMaxEvents !== undefined ? { maxEvents: positiveInt(argv.timelineMaxEvents, '--timeline-max-events') } : {}),
  };
}
