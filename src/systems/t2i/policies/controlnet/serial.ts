/**
 * Serial (Diffusers): every ControlNet runs on the serving GPU before the denoiser, each step.
 * Closed form: steps are identical, so a deferred LoRA only shifts the steps from its gate on.
 */
import type { ControlNetPlacement, DenoiseInput, DenoiseResult } from '../../types.js';

export function serial(): ControlNetPlacement {
  return {
    name: 'serial',
    gpusPerWorker: 0,
    denoise(p: DenoiseInput): DenoiseResult {
      let step = p.unet;
      for (const c of p.controlnets) step += c;
      const n = p.steps;
      let seconds = n * step;
      let without = 0;
      const g = p.gate;
      if (g && g.readyAt > 0) {
        if (g.readyAt <= g.step * step) {
          // Steps k with k * step < readyAt started without the LoRA (tolerance for round-off).
          without = Math.min(n, Math.ceil(g.readyAt / step - 1e-9));
        } else {
          without = g.step;
          seconds = g.readyAt + (n - g.step) * step;
        }
      }
      return { seconds, servingBusy: n * step, controlnetBusy: [], transfers: 0, staleSteps: 0, stepsWithoutLora: without };
    },
  };
}
