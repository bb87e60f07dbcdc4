#!/usr/bin/env node
/**
 * Standalone entry for the validator's commands (the servesim CLI loads the same modules):
 *   node dist/validate/cli.js calibrate --quick --out profile.json
 *   node dist/validate/cli.js validate --profile profile.json --quick
 * Exit codes: 0 ok, 2 bad input (one line), 3 no WebGPU adapter (one line), 1 a bug (stack with --debug).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError, isUserError } from '../src/errors.js';
import { NoAdapterError } from './gpu/device.js';
import { commands } from './commands.js';

const debug = process.argv.includes('--debug');

function fail(e: unknown): never {
  if (isUserError(e)) {
    process.stderr.write(`servesim: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof NoAdapterError) {
    process.stderr.write(`servesim: ${e.message}\n`);
    process.exit(3);
  }
  process.stderr.write(debug ? `${(e as Error).stack ?? e}\n` : `servesim: internal error: ${(e as Error).message ?? e} (rerun with --debug for the stack)\n`);
  process.exit(1);
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('servesim')
    .command(commands)
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces' })
    .demandCommand(1, 'name a command: calibrate or validate')
    .strict()
    .fail((msg, err) => {
      throw err ?? new InputError(msg.replace(/\s*\n\s*/g, ' '));
    })
    .help()
    .parseAsync();
} catch (e) {
  fail(e);
}
