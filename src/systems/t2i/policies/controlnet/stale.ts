/**
 * Stale by one step, for slow links: each step consumes the residuals computed from the previous
 * step's latent, so a ControlNet and its transfer have a whole step to hide behind. The first step
 * waits for fresh residuals; every later step is counted as a stale ControlNet step.
 */
import type { ControlNetParams, ControlNetPlacement } from '../../types.js';
import { remoteSteps } from './steps.js';

export function stale(p: ControlNetParams): ControlNetPlacement {
  const gpus = p.controlnet_gpus;
  return { name: 'stale', gpusPerWorker: gpus, denoise: (d) => remoteSteps(d, gpus, 1) };
}
