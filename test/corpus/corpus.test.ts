/**
 * The malformed-input corpus: every file under test/corpus/{traces,scenarios,profiles} plus bad
 * CLI flags and four 2 GB files made on the fly (sparse, never committed). Each case runs the built
 * CLI as a user would (`trace check` for a trace, `run` for a scenario, a scenario naming the bad
 * profile for a profile) and must fail the way docs/cli.md promises: exit code 2, exactly one line on
 * stderr, naming the file, the line (where the input has lines) and the field, no stack trace.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from '../robust/cli-helpers.js';

const T = 'test/corpus/traces';
const S = 'test/corpus/scenarios';
const tmp = mkdtempSync(join(tmpdir(), 'servesim-corpus-'));

interface Case {
  /** Arguments after `node main.js` (`--out` and `-q` are added to `run`). */
  args: string[];
  /** The file the message must name (basename is enough), unless the input is a flag. */
  file?: string;
  /** The 1-based line it must name, where the input has lines. */
  line?: number;
  /** The field (column, scenario path, profile path or flag) it must name. */
  field: string;
  /** What the message must say. */
  says: RegExp;
}

const trace = (name: string, line: number | undefined, field: string, says: RegExp): [string, Case] => [
  `trace ${name}`,
  { args: ['trace', 'check', join(T, name)], file: name, line, field, says },
];
const scenario = (name: string, file: string, line: number | undefined, field: string, says: RegExp): [string, Case] => [
  `scenario ${name}`,
  { args: ['run', join(S, name)], file, line, field, says },
];
/** A scenario naming a bad profile: the message names the scenario's line and the profile's. */
const profile = (name: string, line: number | undefined, field: string, says: RegExp): [string, Case] => [
  `profile ${name}`,
  { args: ['run', join(S, `profile-${name.replace(/\.json$/, '')}.yaml`)], file: name, line, field, says },
];
const flag = (args: string[], field: string, says: RegExp): [string, Case] => [`flags ${args.join(' ')}`, { args, field, says }];

const CASES: Array<[string, Case]> = [
  // --- edit traces
  trace('edit-unknown-column.csv', 1, 'colour', /unknown column 'colour'/),
  trace('edit-missing-column.csv', 1, 'mask_ratio', /missing required column 'mask_ratio'/),
  trace('edit-duplicate-column.csv', 1, 'request', /duplicate column 'request'/),
  trace('edit-extra-cell.csv', 4, 'column 5', /5 cells for 4 columns/),
  trace('edit-missing-cell.csv', 4, 'mask_ratio', /3 cells for 4 columns/),
  trace('edit-non-numeric.csv', 4, 'arrival_s', /expected a finite number, got 'soon'/),
  trace('edit-nan.csv', 4, 'mask_ratio', /expected a finite number, got 'NaN'/),
  trace('edit-infinity.csv', 4, 'arrival_s', /expected a finite number, got 'Infinity'/),
  trace('edit-negative-time.csv', 2, 'arrival_s', /expected a number >= 0, got '-0.5'/),
  trace('edit-zero-steps.csv', 2, 'steps', /expected a number >= 1, got '0'/),
  trace('edit-unsorted.csv', 4, 'arrival_s', /arrivals must be sorted/),
  trace('edit-mask-above-1.csv', 4, 'mask_ratio', /<= 1, got '1.5'/),
  trace('edit-mask-negative.csv', 2, 'mask_ratio', />= 0, got '-0.01'/),
  trace('edit-unknown-model.csv', 2, 'model', /unknown model preset 'sdxxl'/),
  trace('edit-duplicate-request.csv', 4, 'request', /duplicate request id 'r1'/),
  trace('edit-width-only.csv', 2, 'height', /width and height must be given together/),
  trace('edit-unclosed-quote.csv', 4, 'request', /unclosed quote/),
  trace('edit-invalid-utf8.csv', 2, 'template', /invalid UTF-8/),
  trace('edit-invalid-utf8-header.csv', 1, 'column 3', /invalid UTF-8 in the header/),
  trace('edit-empty.csv', undefined, 'header', /empty file: expected a CSV header/),
  // --- moe traces (without a model: layers come from the first token)
  trace('moe-duplicate-expert.csv', 4, 'experts', /expert 4 listed twice/),
  trace('moe-negative-token.csv', 4, 'token', />= 0, got '-1'/),
  trace('moe-layer-order.csv', 4, 'layer', /token 1 starts at layer 1, expected 0/),
  trace('moe-token-skip.csv', 4, 'token', /tokens must be consecutive/),
  trace('moe-weights-count.csv', 3, 'weights', /1 weights for 2 experts/),
  trace('moe-weights-nan.csv', 2, 'weights', /finite numbers, got '0.5\|NaN'/),
  trace('moe-arrival-not-first.csv', 3, 'arrival_s', /only belongs on a request's first row/),
  trace('moe-arrivals-unsorted.csv', 4, 'arrival_s', /requests must be in arrival order/),
  trace('moe-request-text.csv', 2, 'request', /got 'first'/),
  trace('moe-empty-list.csv', 4, 'experts', /at least one expert id/),
  trace('moe-request-reappears.csv', 6, 'request', /must be contiguous/),
  trace('moe-ends-mid-token.csv', 4, 'layer', /file ends inside token 1/),
  // --- t2i traces
  trace('t2i-too-many-loras.csv', 2, 'loras', /at most 3 loras per request, got 4/),
  trace('t2i-bad-adapter-id.csv', 2, 'loras', /bad adapter id 'my lora'/),
  trace('t2i-duplicate-adapter.csv', 2, 'controlnets', /adapter 'c1' listed twice/),
  trace('t2i-unsorted.csv', 3, 'arrival_s', /arrivals must be sorted/),
  trace('t2i-zero-steps.csv', 2, 'steps', />= 1, got '0'/),
  trace('t2i-width-not-multiple-of-8.csv', 2, 'height', /multiples of 8 pixels, got 1001/),
  trace('t2i-infinity.csv', 2, 'arrival_s', /finite number, got 'Infinity'/),
  trace('t2i-negative-time.csv', 2, 'arrival_s', />= 0, got '-1'/),
  trace('t2i-empty-item.csv', 2, 'loras', /no empty item/),
  // --- traces checked against the scenario's model, through `run`
  scenario('moe-expert-out-of-range.yaml', 'moe-expert-out-of-range.csv', 4, 'experts', /expected integers <= 7, got '0\|8'/),
  scenario('moe-more-experts-than-model.yaml', 'moe-more-than-expert-count.csv', 4, 'experts', /expected integers <= 7/),
  scenario('moe-ends-mid-token.yaml', 'moe-ends-mid-token.csv', 4, 'layer', /file ends inside token 1 of request 0: layers 0..0 of 2/),
  scenario('t2i-unknown-model-in-trace.yaml', 't2i-unknown-model.csv', 3, 'model', /unknown model preset 'sd-xl-turbo'/),
  scenario('edit-bad-trace.yaml', 'edit-mask-above-1.csv', 4, 'mask_ratio', /<= 1, got '1.5'/),
  // --- scenarios
  scenario('duplicate-key.yaml', 'duplicate-key.yaml', 5, 'generator', /duplicate key 'generator'/),
  scenario('duplicate-key.json', 'duplicate-key.json', 5, 'seed', /duplicate key 'seed'/),
  scenario('anchor-bomb.yaml', 'anchor-bomb.yaml', undefined, 'alias', /too many YAML alias expansions/),
  scenario('invalid-utf8.yaml', 'invalid-utf8.yaml', 3, 'description', /invalid UTF-8 \(byte 0xe9/),
  scenario('empty.yaml', 'empty.yaml', undefined, '(top level)', /got an empty file/),
  scenario('syntax.yaml', 'syntax.yaml', 4, 'rps', /YAML syntax \(column 41\): Flow sequence/),
  scenario('tab-indent.yaml', 'tab-indent.yaml', 4, 'workload', /Tabs are not allowed/),
  scenario('trailing-comma.json', 'trailing-comma.json', 4, 'label', /YAML syntax \(column 32\): Unexpected ,/),
  scenario('unknown-field.yaml', 'unknown-field.yaml', 5, 'replication', /unknown field 'replication' \(did you mean 'replications'\?\)/),
  scenario('unknown-system.yaml', 'unknown-system.yaml', 2, 'system', /got "vllm"/),
  scenario('unknown-model-preset.yaml', 'unknown-model-preset.yaml', 3, 'model.preset', /got "sdxl-turbo"/),
  scenario('unknown-gpu-preset.yaml', 'unknown-gpu-preset.yaml', 3, 'hardware.gpu', /unknown GPU preset 'h1000'/),
  scenario('unknown-link-preset.yaml', 'unknown-link-preset.yaml', 3, 'hardware.pcie', /unknown link preset 'pcie7-pinned'/),
  scenario('unknown-policy.yaml', 'unknown-policy.yaml', 7, 'policies[0].policy.balance', /got "random"/),
  scenario('nan-value.yaml', 'nan-value.yaml', 4, 'workload.generator.rps', /expected a number, got NaN/),
  scenario('infinity-value.yaml', 'infinity-value.yaml', 4, 'workload.generator.rps', /got Infinity/),
  scenario('negative-rps.yaml', 'negative-rps.yaml', 4, 'workload.generator.rps', /positive number, got -2/),
  scenario('zero-rps.yaml', 'zero-rps.yaml', 4, 'workload.generator.rps', /positive number, got 0/),
  scenario('mask-mean-above-1.yaml', 'mask-mean-above-1.yaml', 4, 'workload.generator.mask_mean', /< 1, got 1.2/),
  scenario('text-for-number.yaml', 'text-for-number.yaml', 4, 'workload.generator.requests', /got "twenty"/),
  scenario('empty-sweep.yaml', 'empty-sweep.yaml', 9, 'sweep.workload.generator.rps', /at least 1 item/),
  scenario('duplicate-label.yaml', 'duplicate-label.yaml', 8, 'policies[1].label', /duplicate label 'a'/),
  scenario('no-policies.yaml', 'no-policies.yaml', 3, 'policies', /at least 1 item/),
  scenario('top-level-list.yaml', 'top-level-list.yaml', 1, '(top level)', /got a list/),
  scenario('trace-not-found.yaml', 'trace-not-found.yaml', 3, 'workload.trace', /trace file not found/),
  scenario('moe-top-k-above-experts.yaml', 'moe-top-k-above-experts.yaml', 3, 'model.top_k', /top_k 9 is larger than the expert count 8/),
  // --- calibration profiles, named by a scenario
  profile('zero-bandwidth.json', 36, 'links.h2d.bandwidth', />0, got 0/),
  profile('negative-latency.json', 37, 'links.h2d.latency_s', />=0, got -0.00001/),
  profile('overlap-above-1.json', 40, 'overlap', /<=1, got 1.5/),
  profile('missing-timing.json', 1, 'timing', /expected one of/),
  profile('wrong-version.json', 2, 'servesim_profile', /expected 1, got 2/),
  profile('flops-as-text.json', 29, 'ops.gemm_f16.flops_per_s', /expected number, received string/),
  profile('trailing-comma.json', 41, '(syntax)', /not valid JSON \(column 1: expected a quoted key, found '\}'\)/),
  profile('duplicate-key.json', 41, 'timing', /duplicate key 'timing'/),
  profile('invalid-utf8.json', 8, 'description', /invalid UTF-8/),
  profile('empty.json', undefined, '(syntax)', /not valid JSON \(the file is empty\)/),
  ['profile missing', { args: ['run', join(S, 'profile-missing.yaml')], file: 'none.json', field: 'hardware.profile', says: /cannot read profile \(ENOENT\)/ }],
  // --- command-line flags (no file; the flag is the field)
  flag(['run'], '<scenario>', /run: missing argument <scenario>/),
  flag(['trace', 'check'], '<file>', /trace check: missing argument <file>/),
  flag(['run', join(S, 'profile-valid.yaml'), '--seed', 'abc'], '--seed', /--seed expects an integer .* got 'abc'/),
  flag(['run', join(S, 'profile-valid.yaml'), '--seed', '-1'], '--seed', /got '-1'/),
  flag(['run', join(S, 'profile-valid.yaml'), '--jobs', '0'], '--jobs', /--jobs expects a positive integer, got '0'/),
  flag(['run', join(S, 'profile-valid.yaml'), '--jobs', 'many'], '--jobs', /got 'many'/),
  flag(['run', join(S, 'profile-valid.yaml'), '--shard', '3/2'], '--shard', /need 0 <= I < N/),
  flag(['run', join(S, 'profile-valid.yaml'), '--shard', 'half'], '--shard', /--shard expects I\/N/),
  flag(['run', join(S, 'profile-valid.yaml'), '--set', 'nonsense'], '--set', /--set expects path=value/),
  flag(['run', join(S, 'profile-valid.yaml'), '--set', 'seed=[1'], '--set', /cannot parse the value/),
  flag(['run', join(S, 'profile-valid.yaml'), '--set', 'workload.generator.rps=-1'], '--set workload.generator.rps=-1', /positive number, got -1/),
  flag(['run', join(S, 'profile-valid.yaml'), '--out'], 'out', /Not enough arguments following: out/),
  flag(['run', join(S, 'profile-valid.yaml'), '--frobnicate'], 'frobnicate', /Unknown argument: frobnicate/),
  flag(['trace', 'gen', 'edit', '--out', join(tmp, 'g.csv'), '--limit', 'abc'], '--limit', /--limit expects a positive integer, got 'abc'/),
  flag(['trace', 'gen', 'edit', '--out', join(tmp, 'g.csv'), '--param', 'rps=0'], 'rps', /--param rps: expected a positive number, got 0/),
  flag(['trace', 'gen', 'diffusion', '--out', join(tmp, 'g.csv')], 'kind', /Invalid values:.*diffusion/),
  flag(['trace', 'check', join(T, 'edit-nan.csv'), '--kind', 'llm'], 'kind', /Invalid values:.*llm/),
];

/** A 2 GB file, sparse (no disk blocks): `head` then zero bytes up to 2 GiB, no newline in them. */
function sparse(name: string, head: string): string {
  const p = join(tmp, name);
  const fd = openSync(p, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, 2 ** 31 + 17);
  closeSync(fd);
  return p;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function expectOneLocatedLine(c: Case, r: { code: number | null; stdout: string; stderr: string }): void {
  const what = `${c.args.join(' ')}\n${r.stderr}`;
  expect(r.code, what).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, what).toHaveLength(1);
  const line = lines[0]!;
  expect(line, what).toMatch(/^servesim: error: /);
  expect(line, what).not.toMatch(/internal error|\bat .*:\d+:\d+\)?$/);
  expect(line, what).toMatch(c.says);
  if (c.file !== undefined) expect(line, what).toContain(c.file);
  if (c.line !== undefined) expect(line, what).toMatch(new RegExp(`${escape(c.file!)}:${c.line}\\b`));
  expect(line, what).toContain(c.field);
}

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the malformed-input corpus: exit 2, one line naming file, line and field', () => {
  it('every corpus file has a case', () => {
    const named = new Set(CASES.flatMap(([, c]) => c.args.map((a) => basename(a))));
    for (const f of readdirSync(T)) {
      const viaScenario = CASES.some(([, c]) => c.file === f);
      expect(named.has(f) || viaScenario, `${T}/${f} has no case`).toBe(true);
    }
    for (const f of readdirSync(S).filter((f) => f !== 'profile-valid.yaml')) expect(named.has(f), `${S}/${f} has no case`).toBe(true);
  });

  it.concurrent.each(CASES)('%s', async (name, c) => {
    // A folder per case: cases run concurrently, and `run` refuses a non-empty --out.
    const args = c.args[0] === 'run' && c.args.length >= 2 ? [...c.args, '--out', join(tmp, `out-${name.replace(/[^a-z0-9]+/gi, '-')}`), '-q'] : c.args;
    expectOneLocatedLine(c, await cli(args));
  });

  it('a valid profile is accepted (the profile cases fail for their defect, not the scenario)', async () => {
    const r = await cli(['run', join(S, 'profile-valid.yaml'), '--out', join(tmp, 'valid'), '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('2 GB lines (sparse files) are refused fast, in bounded memory', async () => {
    const big: Array<[string, Case]> = [
      ['trace row', { args: ['trace', 'check', sparse('long-row.csv', 'arrival_s,request,template,mask_ratio\n0.1,r0,')], file: 'long-row.csv', line: 2, field: 'template', says: /line longer than 1048576 bytes/ }],
      ['trace header', { args: ['trace', 'check', sparse('long-header.csv', 'arrival_s,')], file: 'long-header.csv', line: 1, field: 'header', says: /header line longer than/ }],
      ['trace header, --kind given', { args: ['trace', 'check', sparse('long-header2.csv', 'arrival_s,'), '--kind', 'edit'], file: 'long-header2.csv', line: 1, field: 'header', says: /line longer than 1048576 bytes/ }],
      ['scenario', { args: ['run', sparse('long.yaml', 'name: '), '--out', join(tmp, 'o'), '-q'], file: 'long.yaml', field: 'scenario file', says: /scenario file is 2147483665 bytes/ }],
    ];
    for (const [, c] of big) {
      const t0 = Date.now();
      expectOneLocatedLine(c, await cli(c.args, { timeoutMs: 30_000 }));
      expect(Date.now() - t0).toBeLessThan(20_000);
    }
  }, 120_000);
});
