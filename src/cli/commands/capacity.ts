/**
 * `servesim capacity SCENARIO --slo 'latency_ms.p99<=2000'`:
 *
 *   1. load      scenario + --set/--seed (exit 2 on problems); --slo/--gpus/--metric strings checked
 *   2. search    per policy and replication: bracket + bisect the load (or the GPU count)
 *   3. write     results.json (with a `capacity` section), results.csv, report.html
 *   4. print     capacity per policy with its interval, and the runs it took
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { writeOutputs } from '../../report/io.js';
import { fmt } from '../../report/metrics.js';
import { writeChartImages } from '../../report/png.js';
import { parseGpuRange, runCapacity, RATE_KNOBS, type Knob } from '../../scenario/capacity.js';
import { loadScenario } from '../../scenario/load.js';
import { parseSlo } from '../../scenario/slo.js';
import type { Registry } from '../../scenario/types.js';
import { checkOutDir, checkOutFolder, defaultOutDir } from '../out-dir.js';
import { EXIT, note, positiveInt, positiveNumber, printJson, seedFlag, printLine, ProgressBar, UsageError, type GlobalArgs } from '../shared.js';

interface CapacityArgs extends GlobalArgs {
  scenario: string;
  slo: string[];
  metric?: string[];
  gpus?: string;
  rate?: string | number;
  knob?: string;
  integer?: boolean;
  start?: string | number;
  min?: string | number;
  max?: string | number;
  tolerance?: string | number;
  replications?: string | number;
  jobs?: string | number;
  out?: string;
  force?: boolean;
  seed?: string | number;
  set?: string[];
  html?: boolean;
  png?: string;
}

export function capacityCommand(registry: Registry, registryModule?: string): CommandModule<GlobalArgs, CapacityArgs> {
  return {
    command: 'capacity <scenario>',
    describe: 'Highest load each policy serves within an SLO (or, with --gpus, the fewest GPUs at a load)',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
        .option('slo', { type: 'string', array: true, demandOption: true, describe: "METRIC OP VALUE, OP one of <= < >= > (repeat: all must hold), e.g. 'latency_ms.p99<=2000'" })
        .option('metric', { type: 'string', array: true, describe: 'also record this metric path at every run and report it at capacity' })
        .option('gpus', { type: 'string', describe: 'find the fewest GPUs in A..B meeting the SLOs at a fixed load (edit, t2i)' })
        .option('rate', { type: 'string', requiresArg: true, describe: "with --gpus: the load held (default the scenario's)" })
        .option('knob', { type: 'string', describe: 'the scenario path the rate search varies (default: edit/t2i workload.generator.rps, moe policy.batch_size)' })
        .option('integer', { type: 'boolean', describe: 'with --knob: the field takes integers' })
        .option('start', { type: 'string', requiresArg: true, describe: "first load tried (default the scenario's value)" })
        .option('min', { type: 'string', requiresArg: true, describe: 'lowest load tried (default start/1024; 1 for integers)' })
        .option('max', { type: 'string', requiresArg: true, describe: 'highest load tried (default start*1024)' })
        .option('tolerance', { type: 'string', requiresArg: true, default: 0.02, describe: 'stop bisecting when the bracket is within this fraction of the load' })
        .option('replications', { alias: 'r', type: 'string', requiresArg: true, describe: "seeds per policy (default the scenario's); 3+ gives confidence intervals" })
        .option('jobs', { alias: 'j', type: 'string', requiresArg: true, describe: 'parallel worker threads (default: all cores; 1 = this thread)' })
        .option('out', { type: 'string', describe: 'output directory (default out/<scenario file name>-capacity); a non-empty one is refused unless --force' })
        .option('force', { type: 'boolean', describe: 'write into a non-empty output directory, replacing its files' })
        .option('seed', { type: 'string', requiresArg: true, describe: 'base seed (same as --set seed=N)' })
        .option('set', { type: 'string', array: true, describe: 'override a field: path=value (YAML value); policy.X=v sets X in every policy' })
        .option('html', { type: 'boolean', default: true, describe: 'write report.html (--no-html to skip)' })
        .option('png', { type: 'string', describe: 'also write every chart as SVG and PNG into this directory' })
        .example("$0 capacity scenarios/quickstart.yaml --slo 'latency_ms.p99<=8000' -r 3", 'highest request rate per policy with P99 within 8 s')
        .example("$0 capacity s.yaml --slo 'latency_ms.p99<=5000' --gpus 1..16 --rate 4", 'fewest GPUs that hold 4 req/s within the SLO')
        .example("$0 capacity moe.yaml --slo 'tpot_ms.p99<=600' --metric tokens_per_s", 'most concurrent decode streams within a per-token deadline') as Argv<CapacityArgs>,
    handler: async (argv: ArgumentsCamelCase<CapacityArgs>) => {
      // 1. load and check the flags before any simulation
      const slos = (argv.slo ?? []).map((s) => parseSlo(String(s)));
      const gpus = argv.gpus !== undefined ? parseGpuRange(String(argv.gpus)) : undefined;
      if (argv.rate !== undefined && !gpus) throw new UsageError('--rate needs --gpus (without --gpus the rate is what capacity searches; use --start for its first value)');
      if (argv.integer !== undefined && argv.knob === undefined) throw new UsageError('--integer needs --knob');
      // Numeric flags are strings to yargs (its `number` type turns 'abc' into NaN), checked here,
      // before the scenario is read.
      const seed = seedFlag(argv.seed);
      const numbers = {
        ...(argv.rate !== undefined ? { rate: positiveNumber(argv.rate, '--rate') } : {}),
        ...(argv.start !== undefined ? { start: positiveNumber(argv.start, '--start') } : {}),
        ...(argv.min !== undefined ? { min: positiveNumber(argv.min, '--min') } : {}),
        ...(argv.max !== undefined ? { max: positiveNumber(argv.max, '--max') } : {}),
        tolerance: positiveNumber(argv.tolerance, '--tolerance'),
        replications: positiveInt(argv.replications, '--replications'),
        jobs: positiveInt(argv.jobs, '--jobs'),
      };
      const loaded = loadScenario(argv.scenario, { registry, set: argv.set, seed });
      const plan = loaded.plan;
      for (const line of loaded.notes) note(argv, `servesim: ${line}`);
      let knob: Knob | undefined;
      if (argv.knob !== undefined) {
        const base = RATE_KNOBS[plan.system];
        knob = argv.knob === base.path ? base : { path: argv.knob, unit: argv.knob, integer: argv.integer ?? false };
      }
      const out = argv.out ?? `${defaultOutDir(argv.scenario)}-capacity`;
      // Checked before the search, so a refusal costs nothing and an earlier study is never overwritten silently.
      checkOutDir(out, { force: argv.force, flag: argv.out === undefined ? 'the default output folder' : '--out' });
      if (argv.png) checkOutFolder(argv.png, '--png');

      // 2. search, with Ctrl-C
      const controller = new AbortController();
      const bar = new ProgressBar(argv, `${plan.name} capacity`);
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        bar.stop();
        note(argv, 'servesim: stopping (Ctrl-C again to quit at once)');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      let outcome;
      try {
        outcome = await runCapacity(plan, {
          registry,
          registryModule,
          slos,
          metrics: argv.metric?.map(String),
          mode: gpus ? 'gpus' : 'rate',
          ...(knob ? { knob } : {}),
          ...(gpus ? { gpus } : {}),
          ...numbers,
          signal: controller.signal,
          onProgress: (p) => bar.update(p),
        });
      } finally {
        process.off('SIGINT', onSigint);
        bar.stop();
      }
      const { results, capacity: c } = outcome;

      // 3. write
      const files = writeOutputs(results, out, { html: argv.html });
      if (argv.png) files.push(...(await writeChartImages(results, argv.png)));

      // 4. print
      const cost = `${c.runs_spent} runs, ${results.wallclock.wall_s} s wall on ${results.wallclock.jobs} worker(s)`;
      if (argv.json) {
        printJson({
          out,
          files,
          mode: c.mode,
          knob: c.knob,
          unit: c.unit,
          slo: c.slo.map((s) => s.text),
          runs_spent: c.runs_spent,
          wall_s: results.wallclock.wall_s,
          policies: c.policies.map((p) => ({ policy: p.policy, value: p.value, guaranteed: p.guaranteed, runs: p.runs, at_capacity: p.at_capacity })),
          notes: c.notes,
        });
        return;
      }
      if (argv.quiet) return;
      const what = c.mode === 'gpus' ? `fewest ${c.unit}` : `capacity (${c.knob}, ${c.unit})`;
      printLine(`${what} with ${c.slo.map((s) => s.text).join(' and ')}${Object.keys(c.fixed).length ? ` at ${Object.entries(c.fixed).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}:`);
      const rows = c.policies.map((p) => [
        p.policy,
        p.replications.every((x) => x.status === 'below-range')
          ? `not met at ${fmt(c.search.min)}`
          : p.value === null
          ? `not met at ${fmt(c.search.max)}`
          : p.value.n > 1
          ? `${fmt(p.value.mean)} ± ${fmt(p.value.ci95)}`
          : fmt(p.value.mean),
        p.guaranteed === null ? '-' : fmt(p.guaranteed),
        String(p.runs),
        ...c.metrics.map((m) => (p.at_capacity[m] ? fmt(p.at_capacity[m]!.mean) : '-')),
      ]);
      const head = ['policy', c.mode === 'gpus' ? 'GPUs (mean ± 95% CI)' : 'capacity (mean ± 95% CI)', c.mode === 'gpus' ? 'all seeds' : 'all seeds', 'runs', ...c.metrics.map((m) => `${m} at capacity`)];
      printLine(table([head, ...rows]));
      for (const n of c.notes) printLine(`note: ${n}`);
      printLine();
      printLine(`cost: ${cost}`);
      printLine(`wrote ${files.join(', ')}`);
    },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
