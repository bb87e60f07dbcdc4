/** Serial (Diffusers): every ControlNet runs on the serving GPU before the denoiser, each step. */
import type { ControlNetPlacement, DenoiseInput, DenoiseResult } from '../../types.js';
import { uniformSteps } from './uniform.js';

export function serial(): ControlNetPlacement {
  return {
    name: 'serial',
    gpusPerWorker: 0,
    denoise(p: DenoiseInput): DenoiseResult {
      let step = p.unet;
      for (const c of p.controlnets) step += c;
      return uniformSteps(p, step, p.steps * step, [], 0);
    },
  };
}
