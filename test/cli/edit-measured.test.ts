/**
 * `model.measured` (edit) as a user hits it through the built CLI: nonsense is refused with one
 * line naming the field, exit 2, before anything runs. Build first: `npx tsc -p tsconfig.build.json`.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSync, ensureBuilt } from '../robust/cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-edit-measured-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cli = cliSync;

const scenario = join(tmp, 'cal.yaml');
beforeAll(() => {
  ensureBuilt();
  writeFileSync(
    scenario,
    ['name: cal', 'system: edit', 'hardware: { gpu: h800, gpus: 1, host: epyc-9654-2s }', 'model: { preset: flux }', 'workload:', '  generator: { requests: 4, rps: 0.5, templates: 2 }', 'policies:', '  - label: a', '    policy: {}', ''].join('\n'),
  );
});

describe('model.measured: bad values exit 2 with one line naming the field', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['negative full_ms', ['model.measured={full_ms: -1}'], /model\.measured\.full_ms: expected a positive number, got -1$/],
    ['mask outside (0, 1)', ['model.measured={masked: {mask: 1.2, ms: 100}}'], /model\.measured\.masked\.mask: expected a number < 1, got 1\.2$/],
    ['masked slower than full', ['model.measured={full_ms: 1000, masked: {mask: 0.2, ms: 2000}}'], /model\.measured\.masked\.ms: a masked request must be faster than the full-compute one \(masked\.ms < full_ms\), got 2000$/],
    ['neither point', ['model.measured={}'], /model\.measured: give full_ms, masked or both, got \{\}$/],
    ['unknown field', ['model.measured={full_ms: 4000, extra: 1}'], /model\.measured\.extra: unknown field 'extra'$/],
    ['unknown calibration name', ['model.measured=flashps-sdxl'], /model\.measured: expected one of "flashps-flux-h800", "flashps-ootd-h800", got "flashps-sdxl"$/],
    ['a calibration of another preset', ['model.measured=flashps-ootd-h800'], /model\.measured: flashps-ootd-h800 was measured with preset sd2\.1, this model has flux/],
    ['a masked saving beyond every block (e > 1)', ['model.measured={full_ms: 4000, masked: {mask: 0.2, ms: 500}}', 'model.host=off'], /model\.measured\.masked\.ms: 500 ms at mask 0\.2 saves more than flux's masked blocks can be scaled to \(e = 1\.\d+ > 1\); with full_ms 4000 the fastest accepted is \d+\.\d ms/],
    // With the counted host time (model.host: counted, 15 us an op) the published 2.27 s is below the host floor.
    ['a masked latency below the host floor', ['model.measured=flashps-flux-h800', 'model.host=counted'], /model\.measured\.masked\.ms: 2270 ms is at or below the host floor of flux's lone masked request \(2621\.7 ms at 15\.0 us an op, model\.host\)/],
    ['host counts for an unknown block group', ['model.host={blocks: {triple: {batch: 1, request: 0}}}'], /model\.host: blocks\.triple: flux has no block group 'triple' \(groups: double, single\)/],
    ['host counts for a UNet block group it does not have', ['model.preset=sdxl', 'model.host={blocks: {double: {batch: 1, request: 0}}}'], /model\.host: blocks\.double: sdxl has no block group 'double' \(groups: attn-64, attn-32\)/],
    ['a calibration measured on another GPU', ['model.measured=flashps-flux-h800', 'hardware.gpu=h100-sxm'], /model\.measured: this published calibration was measured on NVIDIA H800 SXM; this scenario's GPU is NVIDIA H100 SXM/],
  ];
  for (const [name, sets, want] of cases) {
    it(name, () => {
      const out = join(tmp, name.replace(/\W+/g, '-'));
      const r = cli(['run', scenario, ...sets.flatMap((s) => ['--set', s]), '--out', out, '-q', '--no-html', '--no-requests']);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^servesim: error: /);
      expect(lines[0]).toMatch(want);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(existsSync(join(out, 'results.json'))).toBe(false);
    });
  }

  it('a valid calibration runs (without host time, and with a host cheap enough for it)', () => {
    for (const [dir, host] of [['ok', 'model.host=off'], ['ok5', 'model.host={op_us: 5}']] as const) {
      const r = cli(['run', scenario, '--set', 'model.measured=flashps-flux-h800', '--set', host, '--out', join(tmp, dir), '-q', '--no-html', '--no-requests']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(existsSync(join(tmp, dir, 'results.json'))).toBe(true);
    }
  });
});
