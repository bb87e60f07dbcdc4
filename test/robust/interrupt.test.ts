/**
 * Interrupting a sweep of a real system (moe) from outside, as a user or a job scheduler would:
 * Ctrl-C (SIGINT) and a kill (SIGTERM) stop it cleanly, leave the finished runs in results.json
 * (complete: false) with a message saying how many and how to resume, and exit 130 / 143; a kill
 * that cannot be caught (SIGKILL) leaves the checkpoint. `--resume` then skips every finished run,
 * and the result is byte-identical to an uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, MAIN } from './cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'servesim-interrupt-'));
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Six moe runs (six miss policies) of about a second each. */
const ARGS = ['run', 'scenarios/moe-fallbacks-rtx4090.yaml', '--set', 'workload.generator.tokens=4000', '--set', 'sweep.policy.cache_experts=[48]', '--no-html', '-q'];
const TOTAL = 6;

function stable(dir: string): string {
  const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  delete r.wallclock;
  return JSON.stringify(r);
}

/** Finished runs in a checkpoint (its first line is the header). */
function checkpointed(dir: string): number {
  const cp = join(dir, 'checkpoint.jsonl');
  return existsSync(cp) ? readFileSync(cp, 'utf8').trimEnd().split('\n').length - 1 : 0;
}

/** Start a sweep, wait until `after` runs are checkpointed, send `signal`; resolve on exit. */
async function interrupt(out: string, signal: NodeJS.Signals, jobs: number, after = 1) {
  const child = spawn(process.execPath, [MAIN, ...ARGS, '--out', out, '-j', String(jobs)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SERVESIM_REGISTRY: '' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
  for (let i = 0; i < 1200 && checkpointed(out) < after; i++) await new Promise((r) => setTimeout(r, 50));
  expect(checkpointed(out), 'no run finished before the signal').toBeGreaterThanOrEqual(after);
  child.kill(signal);
  const { code, signal: sig } = await exited;
  return { code, signal: sig, stderr };
}

describe('interrupting a sweep keeps the finished runs; --resume skips them', () => {
  let reference = '';
  beforeAll(async () => {
    const r = await cli([...ARGS, '--out', join(tmp, 'whole'), '-j', '1'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    reference = stable(join(tmp, 'whole'));
  }, 300_000);

  it.each([
    ['SIGINT', 1, 130],
    ['SIGTERM', 2, 143],
  ] as const)('%s (-j %i): exit %i, partial results.json, a message, then --resume finishes', async (signal, jobs, exitCode) => {
    const out = join(tmp, signal);
    const r = await interrupt(out, signal, jobs);
    expect(r.code, r.stderr).toBe(exitCode);
    const m = new RegExp(`interrupted: (\\d+) of ${TOTAL} runs finished and saved in ${out}; rerun with --resume to finish`).exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const finished = Number(m![1]);
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(finished).toBeLessThan(TOTAL);
    const partial = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(partial.complete).toBe(false);
    expect(partial.missing.length).toBe(TOTAL - finished);
    expect(checkpointed(out)).toBe(finished);

    const resumed = await cli([...ARGS.filter((a) => a !== '-q'), '--out', out, '-j', '1', '--resume'], { timeoutMs: 300_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`servesim: resumed ${finished} finished run(s) from ${out}`);
    expect(stable(out)).toBe(reference);
    expect(existsSync(join(out, 'checkpoint.jsonl'))).toBe(false);
  }, 300_000);

  it('SIGKILL (cannot be caught): the checkpoint survives and --resume skips what it holds', async () => {
    const out = join(tmp, 'SIGKILL');
    const r = await interrupt(out, 'SIGKILL', 1, 2);
    expect(r.signal).toBe('SIGKILL');
    const finished = checkpointed(out);
    expect(finished).toBeGreaterThanOrEqual(2);
    const resumed = await cli([...ARGS.filter((a) => a !== '-q'), '--out', out, '-j', '1', '--resume'], { timeoutMs: 300_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`servesim: resumed ${finished} finished run(s) from ${out}`);
    expect(stable(out)).toBe(reference);
  }, 300_000);
});
