import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { REGISTRY } from '../fixtures/registry.js';
import { loadScenario, loadScenarioSource, type LoadOptions } from '../../src/scenario/load.js';
import { parseScenarioText } from '../../src/scenario/source.js';
import { ScenarioError } from '../../src/scenario/types.js';

const FILE = 'scenarios/x.yaml';
const dir = mkdtempSync(join(tmpdir(), 'servesim-load-'));

function load(text: string, opts: Partial<LoadOptions> = {}) {
  return loadScenarioSource(parseScenarioText(text, FILE), dir, { registry: REGISTRY, ...opts });
}
function problems(text: string, opts: Partial<LoadOptions> = {}): string[] {
  try {
    load(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message.split('\n');
  }
  throw new Error('expected the scenario to be rejected');
}

const VALID = `name: ok
system: edit
hardware: { gpus: 2 }
workload:
  generator: { requests: 50, rps: 4 }
policies:
  - label: a
    policy: { order: fifo }
  - label: b
    policy: { order: sjf }
`;

describe('loadScenario(file): problems', () => {
  it('lists every problem of a scenario with its line and path', () => {
    const text = [
      'name: Bad Name', // 1
      'system: edit', // 2
      'seed: -1', // 3
      'hardware:', // 4
      '  gpu: rtx-9999', // 5
      '  gpus: 0', // 6
      'workload:', // 7
      '  generator:', // 8
      '    rps: fast', // 9
      '    requests: 10', // 10
      'policies:', // 11
      '  - label: a', // 12
      '    policy: { order: lifo, serverz: 2 }', // 13
      '  - label: a', // 14
      'replications: 0', // 15
      'colour: blue', // 16
    ].join('\n');
    const lines = problems(text);
    expect(lines).toEqual(
      expect.arrayContaining([
        `${FILE}:1 name: expected lower-case letters, digits and . _ - only, got "Bad Name"`,
        `${FILE}:3 seed: expected a number >= 0, got -1`,
        `${FILE}:6 hardware.gpus: expected a positive number, got 0`,
        `${FILE}:15 replications: expected a number >= 1, got 0`,
        `${FILE}:16 colour: unknown field 'colour'`,
        `${FILE}:9 workload.generator.rps: expected a number, got "fast"`,
        `${FILE}:13 policies[0].policy.order: expected one of "fifo", "sjf", got "lifo"`,
        `${FILE}:13 policies[0].policy.serverz: unknown field 'serverz' (did you mean 'servers'?)`,
        `${FILE}:14 policies[1].label: duplicate label 'a' (also policies[0]); labels name the results`,
        expect.stringMatching(new RegExp(`^${FILE}:5 hardware.gpu: unknown GPU preset 'rtx-9999' \\(known: .*h100-sxm`)),
      ]),
    );
    expect(lines).toHaveLength(10);
  });

  it('reports a bad sweep value at the sweep entry, naming the value', () => {
    const lines = problems(VALID + 'sweep:\n  workload.generator.rps: [2, -1, 4]\n  policy.servers: { from: 1, to: 2, step: 1 }\n');
    expect(lines).toEqual([`${FILE}:12 workload.generator.rps: expected a positive number, got -1 (sweep value -1 of 'workload.generator.rps')`]);
  });

  it('rejects sweeps of structural fields and bare `policy`', () => {
    const lines = problems(VALID + 'sweep:\n  system: [moe]\n  policy: [{}]\n  hardware.gpu: [h100-sxm, nope]\n');
    expect(lines).toEqual([
      `${FILE}:12 sweep.system: 'system' cannot be swept (sweep a field inside the scenario, e.g. workload.generator.rps)`,
      `${FILE}:13 sweep.policy: 'policy' needs a field: policy.FIELD sets FIELD in every policy`,
    ]);
    const hw = problems(VALID + 'sweep:\n  hardware.gpu: [h100-sxm, nope]\n');
    expect(hw).toEqual([expect.stringMatching(new RegExp(`^${FILE}:12 hardware.gpu: unknown GPU preset 'nope' .*\\(sweep value "nope" of 'hardware.gpu'\\)$`))]);
  });

  it('attributes a problem that a --set introduced to that --set', () => {
    const lines = problems(VALID, { set: ['workload.generator.rps=fast', 'policy.order=lifo'] });
    expect(lines).toEqual([
      `--set workload.generator.rps=fast workload.generator.rps: expected a number, got "fast"`,
      `--set policy.order=lifo policies[0].policy.order: expected one of "fifo", "sjf", got "lifo"`,
      `--set policy.order=lifo policies[1].policy.order: expected one of "fifo", "sjf", got "lifo"`,
    ]);
    expect(() => load(VALID, { set: ['rps'] })).toThrow(/--set expects path=value/);
  });

  it('rejects duplicate keys, syntax errors and alias bombs with their line', () => {
    expect(problems('name: a\nsystem: edit\nname: b\n')).toEqual([`${FILE}:3 name: duplicate key 'name' (each key may appear once per mapping)`]);
    expect(problems('name: a\npolicies: [1, 2\nsystem: edit\n')[0]).toMatch(new RegExp(`^${FILE}:3 `));
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    expect(problems(bomb)[0]).toMatch(/too many YAML alias expansions/);
    expect(problems('- 1\n- 2\n')).toEqual([`${FILE}:1 (top level): expected a mapping of scenario fields (name, system, policies, ...), got a list`]);
  });

  it('locates a missing trace file and an unavailable system', () => {
    const t = problems(VALID.replace('generator: { requests: 50, rps: 4 }', 'trace: traces/none.csv'));
    expect(t).toEqual([`${FILE}:5 workload.trace: trace file not found: ${join(dir, 'traces/none.csv')}`]);
    expect(problems(VALID.replace('system: edit', 'system: moe'))).toEqual([`${FILE}:2 system: system 'moe' is not available in this build (available: edit)`]);
    expect(problems(VALID.replace('system: edit', 'system: sim'))).toEqual([`${FILE}:2 system: expected one of "moe", "edit", "t2i", got "sim"`]);
  });

  it('reads JSON scenarios with line numbers too', () => {
    const p = join(dir, 'x.json');
    writeFileSync(p, '{\n  "name": "j",\n  "system": "edit",\n  "seed": "one",\n  "policies": [{"label": "a"}]\n}\n');
    try {
      loadScenario(p, { registry: REGISTRY });
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as ScenarioError).problems).toEqual([{ path: 'seed', message: 'expected a number, got "one"', file: p, line: 4 }]);
    }
  });
});

describe('loadScenario(file): plans', () => {
  it('applies defaults, --set and --seed, and fingerprints the input', () => {
    const a = load(VALID);
    expect(a.plan.seed).toBe(1);
    expect(a.plan.replications).toBe(1);
    expect(a.plan.policies).toEqual(['a', 'b']);
    expect(a.plan.points).toEqual([{}]);
    expect(a.runs).toBe(2);
    const b = load(VALID, { set: ['policy.servers=4', 'replications=3'], seed: 9 });
    expect((b.plan.raw.policies as any[]).map((p) => p.policy.servers)).toEqual([4, 4]);
    expect(b.plan.seed).toBe(9);
    expect(b.runs).toBe(6);
    expect(b.plan.fingerprint).not.toBe(a.plan.fingerprint);
    expect(load(VALID).plan.fingerprint).toBe(a.plan.fingerprint);
  });

  it('expands a sweep into the cartesian product, first key slowest', () => {
    const l = load(VALID + 'sweep:\n  workload.generator.rps: { from: 2, to: 4, step: 1 }\n  policy.servers: [1, 2]\n');
    expect(l.plan.sweepKeys).toEqual(['workload.generator.rps', 'policy.servers']);
    expect(l.plan.points).toEqual([
      { 'workload.generator.rps': 2, 'policy.servers': 1 },
      { 'workload.generator.rps': 2, 'policy.servers': 2 },
      { 'workload.generator.rps': 3, 'policy.servers': 1 },
      { 'workload.generator.rps': 3, 'policy.servers': 2 },
      { 'workload.generator.rps': 4, 'policy.servers': 1 },
      { 'workload.generator.rps': 4, 'policy.servers': 2 },
    ]);
    expect(l.runs).toBe(12);
  });
});
