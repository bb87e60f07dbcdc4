/**
 * The validator's CLI commands, as yargs CommandModules that src/cli/main.ts loads dynamically
 * (src/ never imports validate/):
 *   servesim calibrate [--out profile.json] [--quick]
 *   servesim validate  [--profile profile.json] [--quick] [--out DIR]
 * Handlers throw InputError for bad flags or a bad profile (the CLI prints one line, exit 2) and
 * NoAdapterError when no WebGPU adapter exists (one line saying how to install lavapipe).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { dirname, join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InputError } from '../src/errors.js';
import type { OpFamily } from './calibrate/cases.js';
import type { FidelityRun, ProfileExtras } from './fidelity/validate.js';

const FAMILY_NAMES = ['gemm', 'gemv', 'expert_ffn', 'attention', 'masked_block', 'lora_merge'] as const;
/** validate/fidelity/validate.ts WORKLOADS' names (not imported: this module loads on every `servesim` start). */
export const WORKLOADS = ['moe-decode', 'diffusion-edit', 'moe-decode-uploads', 'diffusion-edit-uploads'] as const;

interface CalibrateArgs {
  out: string;
  quick: boolean;
  timing?: 'timestamp-query' | 'wall-clock';
  only?: string[];
}

interface ValidateArgs {
  profile: string;
  quick: boolean;
  out: string;
  repeats?: string;
  workload?: string[];
}

const say = (line: string) => process.stderr.write(line + '\n');

const extrasSchema = z.object({
  host_issue_s: z.number().nonnegative().optional(),
  software_adapter: z.boolean().optional(),
  upload_host_share: z.number().min(0).max(1).optional(),
  stalls: z
    .object({
      rate_per_s: z.number().nonnegative(),
      durations_s: z.array(z.number().positive()),
      probes: z.number().int().positive().optional(),
      seconds: z.number().positive().optional(),
    })
    .refine((s) => s.rate_per_s === 0 || s.durations_s.length > 0, { message: 'a stall rate above 0 needs durations_s' })
    .optional(),
});

function profileExtras(path: string): ProfileExtras {
  const r = extrasSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.success) throw new InputError(r.error.issues[0]!.message, { file: path, field: r.error.issues[0]!.path.join('.') });
  return r.data;
}

function writeOut(path: string, text: string, flag: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new InputError(`cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path, field: flag });
  }
}

function checkChoices(values: string[] | undefined, allowed: readonly string[], flag: string): void {
  for (const v of values ?? []) if (!allowed.includes(v)) throw new InputError(`unknown value '${v}' (expected one of ${allowed.join(', ')})`, { field: flag });
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: 'Time the kernels and transfers on the WebGPU device, fit the cost models, write a profile',
  builder: (y: Argv) =>
    y
      .option('out', { type: 'string', default: 'profile.json', describe: 'profile JSON to write' })
      .option('quick', { type: 'boolean', default: false, describe: 'small sweep (about a minute on lavapipe)' })
      .option('timing', { type: 'string', choices: ['timestamp-query', 'wall-clock'] as const, describe: 'force a timing method' })
      .option('only', { type: 'string', array: true, describe: `op families to sweep (${FAMILY_NAMES.join(', ')})` })
      .example('$0 calibrate --out profile.json', 'full sweep on the WebGPU device, fit, write the profile')
      .example('$0 calibrate --quick --only gemm --out out/gemm.json', 'one op family, small sweep (about a minute on lavapipe)')
      .example('$0 calibrate --timing wall-clock --out profile.json', 'wall-clock timing where the device lacks timestamp queries') as unknown as Argv<CalibrateArgs>,
  handler: async (argv: ArgumentsCamelCase<CalibrateArgs>) => {
    checkChoices(argv.only, FAMILY_NAMES, '--only');
    // Imported here, not at the top: every `servesim` start loads this module for the command list.
    const [{ openGpu }, { calibrate, fitTable }] = await Promise.all([import('./gpu/device.js'), import('./calibrate/calibrate.js')]);
    const gpu = await openGpu();
    try {
      const profile = await calibrate(gpu, {
        quick: argv.quick,
        timing: argv.timing,
        only: argv.only as Array<OpFamily['kind']> | undefined,
        log: say,
      });
      writeOut(argv.out, JSON.stringify(profile, null, 1) + '\n', '--out');
      process.stdout.write(`${fitTable(profile)}\n\nprofile written to ${argv.out} (${profile.samples.length} samples, ${profile.checks.length} kernel checks, ${profile.skipped.length} skipped)\n`);
    } finally {
      gpu.device.destroy();
    }
  },
};

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Run MoE-decode and diffusion workloads on the device and in the simulator; tabulate the error',
  builder: (y: Argv) =>
    y
      .option('profile', { type: 'string', default: 'profile.json', describe: 'calibration profile (from `servesim calibrate`)' })
      .option('quick', { type: 'boolean', default: false, describe: 'short workloads, one device run per policy' })
      .option('out', { type: 'string', default: 'out/validate', describe: 'folder for fidelity.md and fidelity.json' })
      .option('repeats', { type: 'string', requiresArg: true, describe: 'runs per policy on the device and in the simulator, pooled (default 1 quick, 3 full)' })
      .option('workload', { type: 'string', array: true, describe: `workloads to run (${WORKLOADS.join(', ')}; default moe-decode diffusion-edit)` })
      .example('$0 validate --profile profile.json --out out/validate', 'device vs simulator for every workload; writes fidelity.md and fidelity.json')
      .example('$0 validate --profile profile.json --quick --workload moe-decode', 'one short workload, one device run per policy') as unknown as Argv<ValidateArgs>,
  handler: async (argv: ArgumentsCamelCase<ValidateArgs>) => {
    checkChoices(argv.workload, WORKLOADS, '--workload');
    // A string to yargs: its `number` type would turn 'abc' into NaN before this could quote it.
    const repeats = argv.repeats === undefined ? undefined : argv.repeats.trim() === '' ? NaN : Number(argv.repeats);
    if (repeats !== undefined && !(Number.isInteger(repeats) && repeats >= 1)) {
      throw new InputError(`must be a positive integer, got '${argv.repeats}'`, { field: '--repeats' });
    }
    // loadProfile validates the contract (one-line errors); the extras the simulator side uses
    // (host issue cost, software adapter) are checked here.
    const { loadProfile } = await import('../src/hardware/profile.js');
    const profile = { ...loadProfile(argv.profile), ...profileExtras(argv.profile) };
    const [{ openGpu }, { fidelityMarkdown, runFidelity }] = await Promise.all([import('./gpu/device.js'), import('./fidelity/validate.js')]);
    const gpu = await openGpu();
    try {
      const report = await runFidelity(gpu, profile, {
        quick: argv.quick,
        repeats,
        workloads: argv.workload as Array<FidelityRun['workload']> | undefined,
        log: say,
      });
      const md = fidelityMarkdown(report);
      writeOut(join(argv.out, 'fidelity.md'), md, '--out');
      writeOut(join(argv.out, 'fidelity.json'), JSON.stringify(report, null, 1) + '\n', '--out');
      process.stdout.write(`${md}\nwritten to ${join(argv.out, 'fidelity.md')} and fidelity.json\n`);
    } finally {
      gpu.device.destroy();
    }
  },
};

export const commands: CommandModule<any, any>[] = [calibrateCommand, validateCommand];
