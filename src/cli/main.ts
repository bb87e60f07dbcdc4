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
import { importModule } from '../load-module.js';
import { REGISTRY } from '../registry.js';
import { missingArgument } from './main-args.js';
import type { Registry } from '../scenario/types.js';
import { servesimVersion } from '../version.js';
import { EXIT, reportError, UsageError, type GlobalArgs } from './shared.js';

type Command = CommandModule<GlobalArgs, any>;
/**
 * The built-in commands, each loaded when named: a run loads only its own command's modules (the
 * others' trees are a sizeable share of start-up). `strings`: the command strings that name a
 * missing argument in usage errors (missingArgument).
 */
const COMMANDS: Record<string, (reg: Registry, module?: string) => Promise<{ command: Command; strings: string[] }>> = {
  run: async (reg, module) => {
    const command = (await import('./commands/run.js')).runCommand(reg, module);
    return { command, strings: [command.command].flat().map(String) };
  },
  capacity: async (reg, module) => ({ command: (await import('./commands/capacity.js')).capacityCommand(reg, module), strings: [] }),
  trace: async (reg) => {
    const m = await import('./commands/trace.js');
    return { command: m.traceCommand(reg), strings: m.TRACE_SUBCOMMANDS.map((c) => `trace ${c}`) };
  },
  report: async () => {
    const command = (await import('./commands/report.js')).reportCommand as Command;
    return { command, strings: [command.command].flat().map(String) };
  },
  merge: async () => {
    const command = (await import('./commands/merge.js')).mergeCommand as Command;
    return { command, strings: [command.command].flat().map(String) };
  },
  presets: async (reg) => ({ command: (await import('./commands/presets.js')).presetsCommand(reg), strings: [] }),
  fit: async (reg) => {
    const command = (await import('./commands/fit.js')).fitCommand(reg);
    return { command, strings: [command.command].flat().map(String) };
  },
  reproduce: async (reg) => ({ command: (await import('./commands/reproduce.js')).reproduceCommand(reg), strings: [] }),
};
/** Order of the built-ins in --help (and of their usage strings), as registered before they were lazy. */
const ORDER = ['run', 'capacity', 'trace', 'report', 'merge', 'presets', 'fit', 'reproduce'];
const STRING_ORDER = ['run', 'report', 'merge', 'fit', 'trace'];

/** Commands the validator adds (calibrate, validate); absent before it is built. */
async function pluginCommands(): Promise<CommandModule<any, any>[]> {
  const url = new URL('../../validate/commands.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return [];
  const mod = await importModule<{ commands?: CommandModule<any, any>[] }>(url.href);
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
    mod = await importModule<{ REGISTRY?: Registry }>(url);
  } catch (e) {
    throw new ConfigError(`SERVESIM_REGISTRY=${custom}: cannot import it (${(e as Error).message.split('\n')[0]})`);
  }
  if (!mod.REGISTRY) throw new ConfigError(`SERVESIM_REGISTRY=${custom} exports no REGISTRY`);
  return { registry: mod.REGISTRY, module: url };
}

export async function main(args: string[]): Promise<void> {
  const { registry: reg, module } = await registry();
  // The command named first (the global flags are all booleans, so it is the first word): only it
  // is loaded. Anything else (no command, --help, a typo, a validator command) loads them all, so
  // help and "did you mean" see every command.
  const first = args.find((a) => !a.startsWith('-'));
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : ORDER;
  const loaded = new Map(await Promise.all(names.map(async (n) => [n, await COMMANDS[n]!(reg, module)] as const)));
  const commandStrings = STRING_ORDER.flatMap((n) => loaded.get(n)?.strings ?? []);
  const cli: Argv<GlobalArgs> = yargs(args)
    .scriptName('servesim')
    .usage('$0 <command> [options]\n\nDiscrete-event simulator for serving generative models on memory-constrained GPUs.')
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress bar or notes' })
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces on errors' });
  for (const n of ORDER) {
    const c = loaded.get(n);
    if (c) cli.command(c.command);
  }
  if (names === ORDER) for (const c of await pluginCommands()) cli.command(c);
  // yargs renders the whole help text as a command's handler starts, to print it should the
  // handler fail; the .fail() below prints one line instead, so skip that render (wrapping every
  // option's text is a sizeable share of a short run's start-up).
  const usage = (cli as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } }).getInternalMethods().getUsageInstance();
  usage.cacheHelpMessage = () => {};
  // A flag that takes one value, given twice (`--out a --out b`), reaches a command as a list;
  // which one was meant is a guess, so refuse it.
  // yargs passes itself as a middleware's second argument (its types omit it).
  const once = (argv: Record<string, unknown>, y: { getOptions(): { array: string[]; key: Record<string, unknown> } }) => {
    const options = y.getOptions();
    for (const key of Object.keys(options.key)) {
      const v = argv[key];
      if (Array.isArray(v) && !options.array.includes(key)) throw new UsageError(`--${key} is given ${v.length} times (${v.map(String).join(', ')}); give it once`);
    }
  };
  cli.middleware(once as unknown as (argv: Record<string, unknown>) => void, true);
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
