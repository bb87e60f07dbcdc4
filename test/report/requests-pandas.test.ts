/**
 * requests.csv as a pandas user reads it: `pd.read_csv` with no options gives one numeric dtype
 * per column (policy and request as text), the quoted policy label back intact, and a groupby over
 * (point, policy, replication) of the rows past the warm-up recomputes results.json's latency mean
 * and p99 (pandas' default quantile is the type-7 one servesim uses).
 *
 * Needs a python3 with pandas (Debian: python3-pandas). Without one the test skips with one line,
 * unless CI or SERVESIM_REQUIRE_GPU=1 is set, where it fails: .ci/run installs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roundSig } from '../../src/metrics/summary.js';
import { REGISTRY } from '../../src/registry.js';
import { readResults, writeOutputs } from '../../src/report/io.js';
import { runPlan } from '../../src/scenario/runner.js';
import { planOf } from '../robust/scenario-helpers.js';
import { EDIT, ODD } from './requests-fixtures.js';

const REQUIRED = process.env.SERVESIM_REQUIRE_GPU === '1' || (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false');

/** The first python on PATH (or Debian's own) that imports pandas. */
function pythonWithPandas(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import pandas'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}
const PY = pythonWithPandas();

const tmp = mkdtempSync(join(tmpdir(), 'servesim-pandas-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Prints, per (point, policy, replication) past the warm-up: count, latency mean and p99; and the dtypes.
const SCRIPT = `
import json, sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
kept = df[df.warmup == 0]
g = kept.groupby(['point', 'policy', 'replication']).latency_ms
out = {
  'dtypes': {c: str(t) for c, t in df.dtypes.items()},
  'policies': sorted(df.policy.unique().tolist()),
  'groups': [
    {'point': int(k[0]), 'policy': k[1], 'replication': int(k[2]), 'n': int(n), 'mean': float(m), 'p99': float(q)}
    for (k, n), m, q in zip(g.size().items(), g.mean(), g.quantile(0.99))
  ],
}
print(json.dumps(out))
`;

describe('pandas reads requests.csv', () => {
  if (!PY) {
    if (REQUIRED) it('has python3 with pandas (required under CI / SERVESIM_REQUIRE_GPU=1)', () => expect.fail('no python3 imports pandas: apt-get install python3-pandas'));
    else it.skip('skipped: no python3 with pandas on this machine (apt-get install python3-pandas)', () => {});
    return;
  }

  it('read_csv gives numeric columns, the quoted label intact, and per-run latency mean/p99 equal to results.json', async () => {
    const dir = join(tmp, 'edit');
    const { results } = await runPlan(planOf(EDIT), { registry: REGISTRY, jobs: 1, outDir: dir, requests: true });
    writeOutputs(results, dir, { html: false });
    const written = readResults(join(dir, 'results.json'));
    const r = spawnSync(PY, ['-c', SCRIPT, join(dir, 'requests.csv')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      dtypes: Record<string, string>;
      policies: string[];
      groups: Array<{ point: number; policy: string; replication: number; n: number; mean: number; p99: number }>;
    };
    expect(out.policies).toEqual(['full', ODD].sort());
    for (const [c, t] of Object.entries(out.dtypes)) {
      if (c === 'policy' || c === 'request') expect(t, c).toBe('object');
      else expect(['int64', 'float64'], `${c}: ${t}`).toContain(t);
    }
    // Every run of results.json has its group, with the same count, mean and p99.
    let matched = 0;
    for (const run of written.runs) {
      for (const rep of run.replications) {
        const grp = out.groups.find((x) => x.point === run.point && x.policy === run.policy && x.replication === rep.replication);
        expect(grp, `${run.policy} point ${run.point} rep ${rep.replication}`).toBeDefined();
        const m = rep.metrics as any;
        expect(grp!.n).toBe(m.requests.measured);
        expect(roundSig(grp!.mean)).toBe(m.latency_ms.mean);
        expect(roundSig(grp!.p99)).toBe(m.latency_ms.p99);
        matched++;
      }
    }
    expect(matched).toBe(out.groups.length);
    expect(matched).toBe(2 * 2 * 2);
  });
});
