#!/usr/bin/env node
/**
 * The servesim command line. Thin: parse, call the library, print. Commands: run, capacity, trace
 * gen|inspect|check|import, report, merge, presets, plus any commands the validator exports
 * (dist/validate/commands.js, loaded at run time when it exists: src/ never imports validate/).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../errors.js';
import { REGISTRY } from '../registry.js';
import { missingArgument } from './main-args.js';
import type { Registry } from '../scenario/types.js';
import { servesimVersion } from '../version.js';
import { capacityCommand } from './commands/capacity.js';
import { fitCommand } from './commands/fit.js';
import { reproduceCommand } from './commands/reproduce.js';
import { mergeCommand } from './commands/merge.js';
import { presetsCommand } from './commands/presets.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { TRACE_SUBCOMMANDS, traceCommand } from './commands/trace.js';
import { EXIT, reportError, UsageError, type GlobalArgs } from './shared.js';

/** Commands the validator adds (calibrate, validate); absent before it is built. */
async function pluginCommands(): Promise<CommandModule<any, any>[]> {
  const url = new URL('../../validate/commands.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return [];
  const mod = (await import(url.href)) as { commands?: CommandModule<any, any>[] };
  return mod.commands ?? [];
}

/**
 * The registry: the built-in one, or the module named by SERVESIM_REGISTRY (exporting REGISTRY),
 * for systems kept outside this tree and for tests. Worker threads import the same module.
 */
async function registry(): Promise<{ registry: Registry; module?: string }> {
  const custom = process.env.SERVESIM_REGISTRY;
  if (!custom) return { registry: REGISTRY };
  const url = pathToFileURL(resolve(custom)).href;
  let mod: { REGISTRY?: Registry };
  try {
    mod = (await import(url)) as { REGISTRY?: Registry };
  } catch (e) {
    throw new ConfigError(`SERVESIM_REGISTRY=${custom}: cannot import it (${(e as Error).message.split('\n')[0]})`);
  }
  if (!mod.REGISTRY) throw new ConfigError(`SERVESIM_REGISTRY=${custom} exports no REGISTRY`);
  return { registry: mod.REGISTRY, module: url };
}

export async function main(args: string[]): Promise<void> {
  const { registry: reg, module } = await registry();
  const commandStrings = [runCommand(reg, module).command, reportCommand.command, mergeCommand.command, fitCommand(reg).command, ...TRACE_SUBCOMMANDS.map((c) => `trace ${c}`)].flat().map(String);
  const cli: Argv<GlobalArgs> = yargs(args)
    .scriptName('servesim')
    .usage('$0 <command> [options]\n\nDiscrete-event simulator for serving generative models on memory-constrained GPUs.')
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress bar or notes' })
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces on errors' })
    .command(runCommand(reg, module) as CommandModule<GlobalArgs, any>)
    .command(capacityCommand(reg, module) as CommandModule<GlobalArgs, any>)
    .command(traceCommand(reg))
    .command(reportCommand as CommandModule<GlobalArgs, any>)
    .command(mergeCommand as CommandModule<GlobalArgs, any>)
    .command(presetsCommand(reg))
    .command(fitCommand(reg) as CommandModule<GlobalArgs, any>)
    .command(reproduceCommand(reg) as CommandModule<GlobalArgs, any>);
  for (const c of await pluginCommands()) cli.command(c);
  // yargs renders the whole help text as a command's handler starts, to print it should the
  // handler fail; the .fail() below prints one line instead, so skip that render (wrapping every
  // option's text is a sizeable share of a short run's start-up).
  const usage = (cli as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } }).getInternalMethods().getUsageInstance();
  usage.cacheHelpMessage = () => {};
  await cli
    .demandCommand(1, 'name a command (run, capacity, trace, report, merge, presets, fit, reproduce)')
    .recommendCommands()
    .strict()
    .example('$0 run scenarios/quickstart.yaml', 'run the quick-start study; open out/quickstart/report.html')
    .help()
    .alias('h', 'help')
    .version(servesimVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // yargs' own validation errors (YError: a flag without its value, ...) are usage errors too.
      if (err && err.name !== 'YError') throw err;
      // One line: yargs spreads some messages ("Invalid values:") over several.
      const text = (msg ?? err?.message ?? 'bad usage').replace(/\s*\n\s*/g, ' ');
      throw new UsageError(missingArgument(text, args, commandStrings));
    })
    .parseAsync();
}

const debug = process.argv.includes('--debug');
// A reader that stops early (`servesim presets | head -1`) is not an error: stop quietly, exit 0.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
});
main(hideBin(process.argv)).catch((e: unknown) => {
  process.exitCode = reportError(e, debug);
});
