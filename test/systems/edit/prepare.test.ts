/**
 * policy.prepare: where a joiner's CPU preparation runs. Two SDXL requests on one H800 (full
 * compute, so every step is priced from the cost model alone), the second arriving during the
 * first one's first step; join_cpu_ms 100. Timelines computed by hand from the step prices.
 */
import { describe, expect, it } from 'vitest';
import { WindowRecorder } from '../../../src/metrics/recorders.js';
import { simulateEdit, type EditPolicyConfig } from '../../../src/systems/edit/index.js';
import { input, recorder, sdxlStepPrices, traceFile } from './helpers.js';

const J = 0.1;


async function run(prepare: 'inline' | 'overlap', detailed = false) {
  const rec = recorder();
  const policy: EditPolicyConfig = { compute: 'full', balance: 'round-robin', join_cpu_ms: J * 1000, prepare };
  const inp = input({ workload: { trace: traceFile(`prep-${prepare}.csv`, [[0, 'r0', 't0', 0.2], [0.05, 'r1', 't1', 0.2]]) }, policy });
  if (detailed) inp.trace = new WindowRecorder();
  await simulateEdit(inp, rec.hooks);
  return { r0: rec.done.get('r0')!, r1: rec.done.get('r1')! };
}

describe('policy.prepare (hand-computed timelines)', () => {
  const { N, S1, S2, te, vae } = sdxlStepPrices();

  it('inline: each joiner holds the step boundary for its CPU time', async () => {
    // r0: CPU 0.1 + text encoder, one step alone; r1 joins there: CPU 0.1 + text encoder again.
    const b1 = J + te(1) + S1;
    const b2 = b1 + J + te(1) + (N - 1) * S2;
    for (const detailed of [false, true]) {
      const { r0, r1 } = await run('inline', detailed);
      expect(r0.start).toBeCloseTo(0, 12);
      expect(r1.start).toBeCloseTo(b1, 9);
      expect(r0.end).toBeCloseTo(b2 + vae, 9);
      expect(r1.end).toBeCloseTo(b2 + vae + S1 + vae, 9);
    }
  });

  it('overlap: preparation runs beside the steps; a request joins at the first boundary after it is prepared', async () => {
    // r0 prepared at 0.1; r1 queued behind it on the preparation thread, prepared at 0.2.
    const start0 = J;
    const run0 = start0 + te(1);
    const k = Math.max(1, Math.ceil((2 * J - run0) / S1));
    const bk = run0 + k * S1;
    const b2 = bk + te(1) + (N - k) * S2;
    for (const detailed of [false, true]) {
      const { r0, r1 } = await run('overlap', detailed);
      expect(r0.start).toBeCloseTo(start0, 12);
      expect(r1.start).toBeCloseTo(bk, 9);
      expect(r0.end).toBeCloseTo(b2 + vae, 9);
      expect(r1.end).toBeCloseTo(b2 + vae + k * S1 + vae, 9);
    }
  });

  it('overlap finishes the running request sooner than inline by the CPU time it no longer waits for', async () => {
    const a = await run('inline');
    const b = await run('overlap');
    expect(b.r0.end).toBeLessThan(a.r0.end);
  });
});
