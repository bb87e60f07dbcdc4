import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlnetPlacements } from '../../../src/systems/t2i/policies/controlnet/index.js';
import { remoteSteps } from '../../../src/systems/t2i/policies/controlnet/steps.js';
import type { DenoiseInput } from '../../../src/systems/t2i/types.js';

const input = fc
  .record({
    steps: fc.integer({ min: 1, max: 60 }),
    unet: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
    cn: fc.array(fc.double({ min: 0.001, max: 0.2, noNaN: true }), { maxLength: 3 }),
    transfer: fc.double({ min: 0, max: 0.05, noNaN: true }),
    overlapFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    gpus: fc.integer({ min: 1, max: 3 }),
    gate: fc.option(fc.record({ step: fc.integer({ min: 0, max: 59 }), readyAt: fc.double({ min: 0, max: 20, noNaN: true }) }), { nil: undefined }),
  })
  .map((r): [DenoiseInput, number] => [
    {
      steps: r.steps,
      unet: r.unet,
      controlnets: r.cn,
      gpuOf: r.cn.map((_, i) => i % r.gpus),
      transfer: r.transfer,
      overlap: r.overlapFrac * r.unet,
      gate: r.gate ? { step: Math.min(r.gate.step, r.steps - 1), readyAt: r.gate.readyAt } : undefined,
    },
    r.gpus,
  ]);

describe('ControlNet placements: denoise(input)', () => {
  it('parallel (closed form) equals the step loop with fresh residuals', () => {
    fc.assert(
      fc.property(input, ([p, gpus]) => {
        const a = controlnetPlacements.parallel({ controlnet_gpus: gpus }).denoise(p);
        const b = remoteSteps(p, gpus, 0);
        expect(a.seconds).toBeCloseTo(b.seconds, 9);
        expect(a.stepsWithoutLora).toBe(b.stepsWithoutLora);
        expect(a.transfers).toBe(b.transfers);
        a.controlnetBusy.forEach((x, j) => expect(x).toBeCloseTo(b.controlnetBusy[j]!, 9));
      }),
    );
  });

  it('stale is never slower than parallel, and parallel never slower than serial when transfers are free', () => {
    fc.assert(
      fc.property(input, ([p, gpus]) => {
        const par = controlnetPlacements.parallel({ controlnet_gpus: gpus }).denoise(p).seconds;
        const st = controlnetPlacements.stale({ controlnet_gpus: gpus }).denoise(p).seconds;
        expect(st).toBeLessThanOrEqual(par + 1e-9);
        const free = { ...p, transfer: 0 };
        expect(controlnetPlacements.parallel({ controlnet_gpus: gpus }).denoise(free).seconds).toBeLessThanOrEqual(controlnetPlacements.serial().denoise(free).seconds + 1e-9);
      }),
    );
  });

  it('a gate delays by max(0, readyAt - start of the gate step), and only steps started before readyAt lack the LoRA', () => {
    fc.assert(
      fc.property(input, ([p]) => {
        const s = controlnetPlacements.serial().denoise(p);
        const step = p.unet + p.controlnets.reduce((a, b) => a + b, 0);
        const g = p.gate;
        let t = 0;
        let without = 0;
        for (let k = 0; k < p.steps; k++) {
          if (g && k >= g.step && t < g.readyAt) t = g.readyAt;
          if (g && t < g.readyAt) without++;
          t += step;
        }
        expect(s.seconds).toBeCloseTo(t, 9);
        expect(s.stepsWithoutLora).toBe(without);
      }),
    );
  });

  it('stale: residuals a step old hide a ControlNet that fits in a step; the first step still waits', () => {
    const p: DenoiseInput = { steps: 10, unet: 0.05, controlnets: [0.045], gpuOf: [0], transfer: 0.005, overlap: 0.02 };
    const r = controlnetPlacements.stale({ controlnet_gpus: 1 }).denoise(p);
    // Step 0 waits for fresh residuals: 0.05 + (0.045 + 0.005 - 0.02). Job k then starts with step k
    // and arrives 0.05 s later, before step k+1 needs it (0.05 + 0.02 s after step k started).
    expect(r.seconds).toBeCloseTo(0.08 + 9 * 0.05, 12);
    expect(r.staleSteps).toBe(9);
    expect(r.transfers).toBe(9);
    expect(controlnetPlacements.parallel({ controlnet_gpus: 1 }).denoise(p).seconds).toBeCloseTo(10 * 0.08, 12);
    // A ControlNet longer than a step cannot hide: its GPU sets the pace (one job per 0.06 s).
    const slow = controlnetPlacements.stale({ controlnet_gpus: 1 }).denoise({ ...p, steps: 200, controlnets: [0.06] });
    expect(slow.seconds / 200).toBeCloseTo(0.06, 3);
  });
});
