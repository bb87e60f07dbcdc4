/**
 * `servesim trace gen|inspect|check|import`: make, summarise, validate and convert trace files.
 * Kinds come from the registry; inspect/check tell a file's kind from its header.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../errors.js';
import { describeIssues } from '../../scenario/issues.js';
import { formatPath, isPlainObject, parsePath, setPath } from '../../scenario/paths.js';
import type { Registry } from '../../scenario/types.js';
import { IMPORTERS, type ImportFormat, type TimeUnit } from '../../workloads/import/index.js';
import { writeTrace } from '../../workloads/import/output.js';
import { formatGenParams, genParamDocs } from '../../workloads/gen-params.js';
import type { TraceKind, TraceKindModule } from '../../workloads/types.js';
import { numberFlag, positiveInt, positiveNumber, printJson, printLine, seedFlag, UsageError, type GlobalArgs } from '../shared.js';

const KINDS: TraceKind[] = ['moe', 'edit', 't2i'];

/** The subcommands and their positionals (main.ts names a missing one from these). */
export const TRACE_SUBCOMMANDS = ['gen <kind>', 'inspect <file>', 'check <file>', 'import <format> <file>'] as const;

function kindModule(registry: Registry, kind: string): TraceKindModule<any, any> {
  if (!KINDS.includes(kind as TraceKind)) throw new UsageError(`unknown trace kind '${kind}' (kinds: ${KINDS.join(', ')})`);
  const m = registry.traces[kind as TraceKind];
  if (!m) throw new InputError(`trace kind '${kind}' is not available in this build (available: ${Object.keys(registry.traces).join(', ') || 'none'})`);
  return m;
}

/** The header line of a CSV file (first non-empty line), without reading the whole file. */
function headerOf(file: string): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new InputError(`cannot read trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  const buf = Buffer.alloc(64 * 1024);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } catch (e) {
    throw new InputError(`cannot read trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  } finally {
    closeSync(fd);
  }
  const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((l) => l.trim() !== '');
  if (index < 0) {
    if (n === buf.length) throw new InputError(`no header in the first ${buf.length} bytes (blank lines only)`, { file, line: 1, field: 'header' });
    throw new InputError('empty file: expected a CSV header', { file });
  }
  if (index === lines.length - 1 && n === buf.length) {
    throw new InputError(`header line longer than ${buf.length} bytes: expected a short CSV header`, { file, line: index + 1, field: 'header' });
  }
  const cols = lines[index]!.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const bad = cols.findIndex((c) => c.includes('\uFFFD'));
  // A multi-byte character cut by the 64 KiB read is not the file's fault; only complete lines count.
  if (bad >= 0) throw new InputError('invalid UTF-8 in the header', { file, line: index + 1, field: `column ${bad + 1}` });
  return cols;
}

/** The registered kind whose columns match the file's header. */
export function detectKind(registry: Registry, file: string): TraceKindModule<any, any> {
  const cols = headerOf(file);
  const matches = Object.values(registry.traces).filter((m): m is TraceKindModule<any, any> => {
    if (!m) return false;
    const known = new Set([...m.columns.required, ...m.columns.optional]);
    return m.columns.required.every((c) => cols.includes(c)) && cols.every((c) => known.has(c));
  });
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    // The kind the header is closest to, to name the one column that is wrong.
    const scored = Object.values(registry.traces)
      .filter((m): m is TraceKindModule<any, any> => m !== undefined)
      .map((m) => ({ m, score: cols.filter((c) => m.columns.required.includes(c)).length }))
      .sort((a, b) => b.score - a.score);
    const best = scored[0];
    if (best && best.score >= 2 && (scored[1]?.score ?? 0) < best.score) {
      const m = best.m;
      const known = new Set([...m.columns.required, ...m.columns.optional]);
      const unknown = cols.find((c) => !known.has(c));
      const missing = m.columns.required.find((c) => !cols.includes(c));
      const what = unknown !== undefined ? `unknown column '${unknown}'` : `missing required column '${missing}'`;
      throw new InputError(`looks like ${m.kind === 'edit' ? 'an' : 'a'} ${m.kind} trace but has ${what} (${m.kind} columns: ${m.columns.required.join(',')} and optionally ${m.columns.optional.join(',')})`, {
        file,
        line: 1,
        field: unknown ?? missing,
      });
    }
  }
  const expected = Object.values(registry.traces)
    .map((m) => `${m!.kind}: ${m!.columns.required.join(',')}`)
    .join('; ');
  if (matches.length === 0) throw new InputError(`cannot tell the trace kind from the header '${cols.join(',')}' (expected ${expected}); pass --kind`, { file, line: 1, field: 'header' });
  throw new InputError(`the header fits several trace kinds (${matches.map((m) => m.kind).join(', ')}); pass --kind`, { file, line: 1, field: 'header' });
}

/** Generator parameters from --params FILE and --param k=v, checked against the kind's schema. */
function genParams(kind: TraceKindModule<any, any>, paramsFile: string | undefined, pairs: readonly string[]): unknown {
  let obj: unknown = {};
  if (paramsFile) {
    try {
      obj = parseYaml(readFileSync(paramsFile, 'utf8'), { maxAliasCount: 100 }) ?? {};
    } catch (e) {
      throw new InputError(`cannot read parameters (${(e as Error).message.split('\n')[0]})`, { file: paramsFile });
    }
    if (!isPlainObject(obj)) throw new InputError('expected a mapping of generator parameters', { file: paramsFile });
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects name=value, got '${pair}'`);
    obj = setPath(obj, parsePath(pair.slice(0, eq), '--param'), parseYaml(pair.slice(eq + 1)));
  }
  const r = kind.genSchema.safeParse(obj);
  if (!r.success) {
    // An unknown name also lists the valid ones, so the fix is on the same line.
    const valid = genParamDocs(kind.genSchema).map((d) => d.name);
    const lines = describeIssues(r.error.issues, obj, [], kind.genSchema).map((p) => {
      const line = `${paramsFile ?? '--param'} ${formatPath(p.path)}: ${p.message}`;
      return p.message.startsWith('unknown field') ? `${line}; ${kind.kind} parameters: ${valid.join(', ')}` : line;
    });
    throw new InputError(lines.join('\n'));
  }
  return r.data;
}

/** `trace gen --help`: every kind's parameters with their defaults and meaning. */
function genEpilogue(registry: Registry): string {
  const parts = Object.values(registry.traces)
    .filter((m): m is TraceKindModule<any, any> => m !== undefined)
    .map((m) => `${m.kind} parameters (--param name=value; default; meaning):\n${formatGenParams(genParamDocs(m.genSchema))}`);
  return parts.join('\n\n');
}

interface GenArgs extends GlobalArgs {
  kind: string;
  out: string;
  param?: string[];
  params?: string;
  seed: string;
  limit?: string;
}
interface FileArgs extends GlobalArgs {
  file: string;
  kind?: string;
}
interface ImportArgs extends GlobalArgs {
  format: string;
  file: string;
  out: string;
  kind?: string;
  rps?: string;
  seed: string;
  limit?: string;
  layers?: string;
  experts?: string;
  status?: string;
  'time-unit': string;
  templates?: string;
  'mask-mean'?: string;
  zipf?: string;
  loras?: string;
  controlnets?: string;
}

export function traceCommand(registry: Registry): CommandModule<GlobalArgs, GlobalArgs> {
  const gen: CommandModule<GlobalArgs, GenArgs> = {
    command: TRACE_SUBCOMMANDS[0],
    describe: 'Generate a synthetic trace with the kind’s generator (defaults from the source papers)',
    builder: (y) =>
      y
        .positional('kind', { type: 'string', demandOption: true, choices: KINDS, describe: 'trace kind' })
        .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'output CSV file (- for stdout)' })
        .option('param', { type: 'string', array: true, requiresArg: true, describe: 'generator parameter name=value (repeatable)' })
        .option('params', { type: 'string', requiresArg: true, describe: 'YAML/JSON file of generator parameters' })
        .option('seed', { type: 'string', default: '1', requiresArg: true, describe: 'seed' })
        .option('limit', { type: 'string', requiresArg: true, describe: 'stop after N rows' })
        .example('$0 trace gen edit --param rps=4 --param requests=1000 --out traces/edit-4rps.csv', 'a 1000-request edit trace at 4 req/s')
        .example('$0 trace gen t2i --param loras.count=500 --param loras.zipf=1.2 --out t.csv', 'a nested parameter: name.field=value')
        .epilogue(genEpilogue(registry)) as Argv<GenArgs>,
    handler: async (argv: ArgumentsCamelCase<GenArgs>) => {
      const kind = kindModule(registry, argv.kind);
      const params = genParams(kind, argv.params, argv.param ?? []);
      const limit = positiveInt(argv.limit, '--limit') ?? Infinity;
      const seed = seedFlag(argv.seed)!;
      const rows = await writeTrace(argv.out, (w) => {
        w.write(kind.header());
        let n = 0;
        for (const row of kind.generate(params, seed)) {
          if (n >= limit) break;
          w.write(kind.toCsv(row));
          n++;
        }
        return n;
      });
      if (argv.out === '-') return;
      if (argv.json) printJson({ kind: kind.kind, rows, out: argv.out, seed, params });
      else if (!argv.quiet) printLine(`wrote ${rows} ${kind.kind} rows to ${argv.out}`);
    },
  };

  const inspect: CommandModule<GlobalArgs, FileArgs> = {
    command: TRACE_SUBCOMMANDS[1],
    describe: 'Summarise a trace: rows, rate, burstiness, popularity skew, mixes, locality',
    builder: (y) =>
      y
        .positional('file', { type: 'string', demandOption: true })
        .option('kind', { type: 'string', choices: KINDS, describe: 'trace kind (default: from the header)' })
        .example('$0 trace inspect traces/edit-sample.csv', 'statistics of a trace')
        .example('$0 trace inspect t.csv --json', 'as JSON') as Argv<FileArgs>,
    handler: async (argv: ArgumentsCamelCase<FileArgs>) => {
      const kind = argv.kind ? kindModule(registry, argv.kind) : detectKind(registry, argv.file);
      const stats = await kind.inspect(argv.file);
      if (argv.json) return printJson({ file: argv.file, kind: kind.kind, stats });
      printLine(`${argv.file} (${kind.kind} trace)`);
      const w = Math.max(...Object.keys(stats).map((k) => k.length));
      for (const [k, v] of Object.entries(stats)) printLine(`  ${k.padEnd(w)}  ${typeof v === 'number' ? Number(v.toPrecision(6)) : v}`);
    },
  };

  const check: CommandModule<GlobalArgs, FileArgs> = {
    command: TRACE_SUBCOMMANDS[2],
    describe: 'Validate every row of a trace; the first problem is reported with its line and column (exit 2)',
    builder: (y) =>
      y
        .positional('file', { type: 'string', demandOption: true })
        .option('kind', { type: 'string', choices: KINDS, describe: 'trace kind (default: from the header)' })
        .example('$0 trace check traces/t2i-sample.csv', 'exit 0 if the trace is valid') as Argv<FileArgs>,
    handler: async (argv: ArgumentsCamelCase<FileArgs>) => {
      const kind = argv.kind ? kindModule(registry, argv.kind) : detectKind(registry, argv.file);
      let rows = 0;
      for await (const _ of kind.read(argv.file)) rows++;
      if (argv.json) printJson({ file: argv.file, kind: kind.kind, rows, ok: true });
      else if (!argv.quiet) printLine(`${argv.file}: ok, ${rows} ${kind.kind} rows`);
    },
  };

  const formats = Object.keys(IMPORTERS) as ImportFormat[];
  const imp: CommandModule<GlobalArgs, ImportArgs> = {
    command: TRACE_SUBCOMMANDS[3],
    describe: `Convert a public trace to a servesim trace (${formats.join(', ')}); see docs/cli.md for each mapping`,
    builder: (y) =>
      y
        .positional('format', { type: 'string', demandOption: true, choices: formats, describe: formats.map((f) => `${f}: ${IMPORTERS[f].description}`).join('; ') })
        .positional('file', { type: 'string', demandOption: true })
        .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'output CSV (- for stdout)' })
        .option('kind', { type: 'string', choices: ['edit', 't2i'], describe: 'azure-llm: target kind (default edit)' })
        .option('rps', { type: 'string', requiresArg: true, describe: 'rescale arrivals to this mean rate (req/s)' })
        .option('seed', { type: 'string', default: '1', requiresArg: true, describe: 'seed for columns the source lacks' })
        .option('limit', { type: 'string', requiresArg: true, describe: 'keep the first N requests' })
        .option('time-unit', { type: 'string', default: 's', choices: ['s', 'ms', 'us'], describe: 'unit of numeric timestamps' })
        .option('layers', { type: 'string', requiresArg: true, describe: 'routing-lines: lines per token (MoE layers)' })
        .option('experts', { type: 'string', requiresArg: true, describe: 'routing-lines: experts per layer (default: largest id + 1)' })
        .option('status', { type: 'string', requiresArg: true, describe: 'gentd26-lora: keep rows with this predict_status only' })
        .option('templates', { type: 'string', requiresArg: true, describe: 'azure-llm -> edit: template catalogue size (default 100)' })
        .option('zipf', { type: 'string', requiresArg: true, describe: 'azure-llm -> edit: template Zipf exponent (default 1)' })
        .option('mask-mean', { type: 'string', requiresArg: true, describe: 'azure-llm -> edit: mean mask ratio (default 0.11)' })
        .option('loras', { type: 'string', requiresArg: true, describe: 'azure-llm -> t2i: LoRA catalogue size (default 7000)' })
        .option('controlnets', { type: 'string', requiresArg: true, describe: 'azure-llm -> t2i: ControlNet catalogue size (default 20)' })
        .example('$0 trace import azure-llm AzureLLMInferenceTrace_conv.csv --kind edit --rps 4 --out traces/azure-edit.csv', 'Azure arrivals as an edit trace at 4 req/s')
        .example('$0 trace import katz katz_trace.json --out traces/katz.csv', 'the Katz production trace as a t2i trace')
        .example('$0 trace import routing-lines mixtral.log --layers 32 --experts 8 --out traces/mixtral.csv', 'a routing log as a moe trace') as Argv<ImportArgs>,
    handler: async (argv: ArgumentsCamelCase<ImportArgs>) => {
      const mask = numberFlag(argv['mask-mean'], '--mask-mean');
      if (mask !== undefined && !(mask > 0 && mask < 1)) throw new UsageError(`--mask-mean expects a number in (0, 1), got '${argv['mask-mean']}'`);
      const zipf = numberFlag(argv.zipf, '--zipf', 0);
      const seed = seedFlag(argv.seed)!;
      const summary = await IMPORTERS[argv.format as ImportFormat].run(argv.file, {
        out: argv.out,
        kind: argv.kind as TraceKind | undefined,
        rps: positiveNumber(argv.rps, '--rps'),
        seed,
        limit: positiveInt(argv.limit, '--limit'),
        timeUnit: argv['time-unit'] as TimeUnit,
        layers: positiveInt(argv.layers, '--layers'),
        experts: positiveInt(argv.experts, '--experts'),
        status: argv.status,
        templates: positiveInt(argv.templates, '--templates'),
        zipf,
        maskMean: mask,
        loras: positiveInt(argv.loras, '--loras'),
        controlnets: positiveInt(argv.controlnets, '--controlnets'),
      });
      if (argv.out === '-') return;
      if (argv.json) printJson(summary);
      else if (!argv.quiet) {
        printLine(`wrote ${summary.rows} rows (${summary.requests} requests) of a ${summary.kind} trace to ${summary.out}`);
        for (const n of summary.notes) printLine(`  note: ${n}`);
      }
    },
  };

  return {
    command: 'trace <command>',
    describe: 'Generate, inspect, check and import trace files',
    builder: (y) =>
      y
        .command(gen as CommandModule<GlobalArgs, any>)
        .command(inspect as CommandModule<GlobalArgs, any>)
        .command(check as CommandModule<GlobalArgs, any>)
        .command(imp as CommandModule<GlobalArgs, any>)
        .demandCommand(1, 'name a trace command: gen, inspect, check or import')
        .example('$0 trace gen edit --out t.csv && $0 trace inspect t.csv', 'generate a trace, then summarise it'),
    handler: () => {},
  };
}
