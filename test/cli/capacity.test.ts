/**
 * `servesim capacity` and `servesim run --timeline` end to end: the built CLI in a child process,
 * with the real systems (src/registry.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateChromeTrace, type ChromeTrace } from '../../src/report/chrome-trace.js';
import type { ResultsFile } from '../../src/report/types.js';
import { T2I_TINY, T2I_TINY_CSV, T2I_TINY_SLICES } from '../fixtures/t2i-tiny.js';
import { ensureBuilt, MAIN } from '../robust/cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-capacity-cli-'));

function cli(args: string[]) {
  const env = { ...process.env, FORCE_COLOR: '0' };
  delete env.SERVESIM_REGISTRY;
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(() => ensureBuilt(), 180_000);

const T2I = `${T2I_TINY}  - label: merge
    policy: { application: merge }
`;

describe('servesim run --timeline', () => {
  it('writes the hand-computed timeline of the chosen run as a valid trace-event file', () => {
    file('tiny.csv', T2I_TINY_CSV);
    const scenario = file('t2i-tiny.yaml', T2I);
    const tl = join(tmp, 'tl', 'timeline.json');
    const r = cli(['run', scenario, '--out', join(tmp, 'run'), '-j', '1', '--no-html', '--timeline', tl, '--timeline-run', 'merge']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/timeline of p0\/merge\/r0: 6 slices, \d+ counter samples/);
    const t = JSON.parse(readFileSync(tl, 'utf8')) as ChromeTrace;
    expect(validateChromeTrace(t)).toEqual([]);
    const tid = new Map(t.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!.name]));
    expect(t.traceEvents.filter((e) => e.ph === 'X').map((e) => [tid.get(e.tid), e.name, e.ts, e.dur, e.args!.request])).toEqual(T2I_TINY_SLICES);
    expect(t.otherData).toMatchObject({ policy: 'merge', scenario: 't2i-tiny', max_events: 200000, dropped_events: 0 });
    // The cap is said in the file: 3 events kept, a complete prefix.
    const capped = join(tmp, 'capped.json');
    expect(cli(['run', scenario, '--out', join(tmp, 'run2'), '-j', '1', '--no-html', '--timeline', capped, '--timeline-max-events', '3']).code).toBe(0);
    const c = JSON.parse(readFileSync(capped, 'utf8')) as ChromeTrace;
    expect(c.otherData.max_events).toBe(3);
    expect(c.otherData.dropped_events as number).toBeGreaterThan(0);
    expect(typeof c.otherData.complete_until_s).toBe('number');
  });

  it('bad --window, --timeline-run and stray flags: exit 2 before anything runs', () => {
    const scenario = file('t2i-tiny2.yaml', T2I);
    let r = cli(['run', scenario, '--out', join(tmp, 'x'), '--timeline', join(tmp, 'x.json'), '--window', '5-7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("servesim: error: --window expects START:END in simulated seconds (e.g. 10:12.5, :30 or 10:), got '5-7'\n");
    r = cli(['run', scenario, '--out', join(tmp, 'x'), '--timeline', join(tmp, 'x.json'), '--timeline-run', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("servesim: error: --timeline-run 'nope' is not a policy label of this scenario (labels: 'sync', 'merge')\n");
    r = cli(['run', scenario, '--out', join(tmp, 'x'), '--window', '1:2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('servesim: error: --window needs --timeline FILE.json (see --help for usage)\n');
    expect(existsSync(join(tmp, 'x', 'results.json'))).toBe(false);
  });
});

const EDIT = `
name: edit-cap
system: edit
seed: 3
hardware: { gpu: h800, gpus: 2 }
model: { preset: sdxl }
workload:
  generator: { requests: 150, rps: 0.4 }
policies:
  - label: full
    policy: { compute: full, loading: sequential, batching: static, balance: round-robin }
  - label: pipeline
    policy: { compute: masked, loading: pipeline, batching: continuous, balance: cost-aware }
warmup: { requests: 10 }
`;

describe('servesim capacity', () => {
  it('writes results.json with the results contract fields and a capacity section; parallel and serial agree', () => {
    const scenario = file('edit-cap.yaml', EDIT);
    const args = (out: string, jobs: string) => ['capacity', scenario, '--slo', 'latency_ms.p99<=8000', '-r', '2', '--out', join(tmp, out), '-j', jobs, '--no-html'];
    const a = cli(args('cap-a', '2'));
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/capacity \(workload\.generator\.rps, requests\/s\) with latency_ms\.p99<=8000/);
    expect(a.stdout).toMatch(/cost: \d+ runs, [\d.]+ s wall on 2 worker\(s\)/);
    expect(cli(args('cap-b', '1')).code).toBe(0);
    const ra = JSON.parse(readFileSync(join(tmp, 'cap-a', 'results.json'), 'utf8')) as ResultsFile;
    const rb = JSON.parse(readFileSync(join(tmp, 'cap-b', 'results.json'), 'utf8')) as ResultsFile;
    expect(ra.capacity).toEqual(rb.capacity);
    expect(ra.runs).toEqual(rb.runs);
    expect(ra.scenario).toMatchObject({ name: 'edit-cap', system: 'edit', seed: 3 });
    const c = ra.capacity!;
    expect(c.policies.map((p) => p.policy)).toEqual(['full', 'pipeline']);
    for (const p of c.policies) {
      expect(p.value!.n).toBe(2);
      // Each seed's value met the SLO, and the next rate tried above it did not.
      for (const rep of p.replications) {
        const mine = p.probes.filter((q) => q.replication === rep.replication);
        expect(mine.find((q) => q.value === rep.value)!.met).toBe(true);
        expect(mine.find((q) => q.value === rep.bracket[1])!.met).toBe(false);
        expect(rep.bracket[1]! - rep.value!).toBeLessThanOrEqual(0.02 * rep.value! + 1e-9);
      }
      expect(ra.runs.find((r) => r.policy === p.policy)!.metrics).toHaveProperty('latency_ms.p99');
    }
    expect(c.runs_spent).toBe(c.policies.reduce((s, p) => s + p.probes.length, 0));
  });

  it('--gpus finds the fewest GPUs meeting the SLO at a fixed rate', () => {
    const scenario = file('edit-cap-gpus.yaml', EDIT);
    const r = cli(['capacity', scenario, '--slo', 'latency_ms.p99<=8000', '--gpus', '1..8', '--rate', '1', '-r', '1', '-j', '1', '--out', join(tmp, 'gpus'), '--no-html']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = (JSON.parse(readFileSync(join(tmp, 'gpus', 'results.json'), 'utf8')) as ResultsFile).capacity!;
    expect(c).toMatchObject({ mode: 'gpus', knob: 'hardware.gpus', fixed: { 'workload.generator.rps': 1 } });
    for (const p of c.policies) {
      const g = p.replications[0]!.value!;
      expect(p.probes.find((q) => q.value === g)!.met).toBe(true);
      if (g > 1) expect(p.probes.find((q) => q.value === g - 1)!.met).toBe(false);
    }
    // The same folder again: refused before any search (one line, exit 2), results untouched; --force replaces them.
    const args = ['capacity', scenario, '--slo', 'latency_ms.p99<=8000', '--gpus', '1..8', '--rate', '1', '-r', '1', '-j', '1', '--out', join(tmp, 'gpus'), '--no-html'];
    const before = readFileSync(join(tmp, 'gpus', 'results.json'), 'utf8');
    const again = cli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`servesim: error: --out ${join(tmp, 'gpus')} is not empty (it holds results.json and 2 more); pass --force to overwrite it, or choose another --out\n`);
    expect(readFileSync(join(tmp, 'gpus', 'results.json'), 'utf8')).toBe(before);
    const forced = cli([...args, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
  });

  it('bad --slo and --gpus strings: one line, exit 2', () => {
    const scenario = file('edit-cap-bad.yaml', EDIT);
    let r = cli(['capacity', scenario, '--slo', 'latency_ms.p99=<2000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("servesim: error: --slo expects METRIC OP VALUE with OP one of <=, <, >=, > (e.g. 'latency_ms.p99<=2000'), got 'latency_ms.p99=<2000'\n");
    r = cli(['capacity', scenario, '--slo', 'latency_ms.p99<=2000', '--gpus', '8..2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("servesim: error: --gpus expects a GPU count range A..B with 1 <= A <= B (e.g. 1..16), got '8..2'\n");
    r = cli(['capacity', scenario, '--slo', 'latency_ms.p42<=2000', '-j', '1', '--out', join(tmp, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^servesim: error: --slo: this system reports no metric 'latency_ms\.p42' \(metrics: throughput_per_s, latency_ms\.mean/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
