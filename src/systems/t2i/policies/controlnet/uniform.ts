/**
 * Closed form for placements whose steps all take the same time (serial, and parallel where each
 * step waits for its own residuals): a deferred LoRA only stalls the loop before its gate step.
 */
import type { DenoiseInput, DenoiseResult } from '../../types.js';

export function uniformSteps(p: DenoiseInput, step: number, servingBusy: number, controlnetBusy: number[], transfers: number): DenoiseResult {
  const n = p.steps;
  let seconds = n * step;
  let without = 0;
  const g = p.gate;
  if (g) {
    const patch = g.patch ?? 0;
    if (g.readyAt <= g.step * step) {
      // Steps k with k * step < readyAt started without the LoRA (tolerance for round-off when
      // readyAt falls on a step boundary); the patch then holds up the rest by its length.
      without = g.readyAt > 0 ? Math.min(n, Math.max(1, Math.ceil(g.readyAt / step - 1e-9))) : 0;
      seconds += patch;
    } else {
      without = g.step;
      seconds = g.readyAt + patch + (n - g.step) * step;
    }
  }
  return { seconds, servingBusy, controlnetBusy, transfers, staleSteps: 0, stepsWithoutLora: without };
}
