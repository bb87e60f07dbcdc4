/** `servesim fit` end to end: the built CLI, bad input -> one line naming file/line/field, exit 2. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_FIT_SCENARIO } from './fixtures.js';
import { cli, ensureBuilt } from '../robust/cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-fit-cli-'));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => ensureBuilt(), 180_000);

describe('servesim fit (errors)', () => {
  const scenario = file('s.yaml', TINY_FIT_SCENARIO);
  const cases: Array<[string, string, string[], RegExp]> = [
    ['an unknown scenario path column', 'policy.cache_expertz,tokens_per_s\n8,10\n', [], /bad1\.csv:2 .*cache_expertz/],
    ['an unknown metric column', 'policy.cache_experts,tokens_per_sec\n8,10\n', [], /bad2\.csv:1 field 'tokens_per_sec': .*not a metric/],
    ['a ragged CSV row', 'policy.cache_experts,tokens_per_s\n8,10,3\n', [], /bad3\.csv:2: malformed CSV/],
    ['a free parameter without bounds or a scenario value', 'policy.cache_experts,tokens_per_s\n8,10\n', ['--free', 'hardware.pcie_efficiency'], /--free hardware\.pcie_efficiency: .*give bounds/],
    ['an unknown free path', 'policy.cache_experts,tokens_per_s\n8,10\n', ['--free', 'hardware.pcie_speed=0.1:1'], /--free hardware\.pcie_speed: /],
  ];
  cases.forEach(([what, csv, extra, message], i) => {
    it(`exits 2 with one line on ${what}`, async () => {
      const m = file(`bad${i + 1}.csv`, csv);
      const r = await cli(['fit', scenario, '--measured', m, ...extra, '-q']);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }, 60_000);
  });

  it('writes an overlay whose set: holds the fitted value within its bounds', async () => {
    const m = file('ok.csv', 'label,policy.cache_experts,tokens_per_s\na,2,20\nb,4,30\n');
    const out = join(tmp, 'overlay.yaml');
    const r = await cli(['fit', scenario, '--measured', m, '--free', 'hardware.pcie_efficiency=0.05:1', '--fit-rows', 'a', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.rows.map((x: { role: string }) => x.role)).toEqual(['fit', 'held-out']);
    const text = readFileSync(out, 'utf8');
    const v = Number(/hardware\.pcie_efficiency: ([\d.e-]+)/.exec(text)![1]);
    expect(v).toBeGreaterThanOrEqual(0.05);
    expect(v).toBeLessThanOrEqual(1);
    expect(v).toBeCloseTo(report.params[0].value, 4);
  }, 60_000);
});

describe('servesim reproduce', () => {
  it('--list names the shipped tables; an unknown table is a one-line error, exit 2', async () => {
    const list = await cli(['reproduce', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(expect.arrayContaining(['mixtral-offloading-table2', 'moe-infinity-a5000', 'fiddler-mixtral-offloading-a6000']));
    const bad = await cli(['reproduce', 'no-such-table']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/no table 'no-such-table'/);
  }, 60_000);

  it('--json gives the per-machine mode of a table with a machine column, null for one machine', async () => {
    const r = await cli(['reproduce', 'mixtral-offloading-table2', '--json']);
    expect(r.code).toBe(0);
    const [t] = JSON.parse(r.stdout) as { per_machine: { machines: { machine: string; row: string }[]; rows: { label: string; role: string }[] } }[];
    expect(t!.per_machine.machines.map((m) => m.machine)).toEqual(['a100-server', '3080m-laptop', '3060-desktop', 't4-colab', 't4-azure']);
    // The stated rule: each machine's first listed row without speculative loading.
    expect(t!.per_machine.machines.map((m) => m.row)).toEqual(['a100-2bit-noprefetch', '3080m-2bit-noprefetch', '3060-2bit-noprefetch', 't4-2bit-noprefetch', 't4-3bit-noprefetch']);
    expect(t!.per_machine.rows.filter((x) => x.role === 'fit').map((x) => x.label).sort()).toEqual(t!.per_machine.machines.map((m) => m.row).sort());
    const one = await cli(['reproduce', 'fiddler-mixtral-offloading-a6000', '--json']);
    expect((JSON.parse(one.stdout) as { per_machine: unknown }[])[0]!.per_machine).toBeNull();
  }, 60_000);
});
