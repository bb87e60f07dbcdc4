/**
 * Parallel (SwiftDiffusion): ControlNets run on dedicated GPUs at the same time as the denoiser's
 * encoder; their residuals cross the interconnect and the denoiser waits for them before its
 * decoder. Per step this adds max(0, controlnet + transfer - overlap) instead of the ControlNet.
 */
import type { ControlNetParams, ControlNetPlacement } from '../../types.js';
import { remoteSteps } from './steps.js';

export function parallel(p: ControlNetParams): ControlNetPlacement {
  const gpus = p.controlnet_gpus;
  return { name: 'parallel', gpusPerWorker: gpus, denoise: (d) => remoteSteps(d, gpus, 0) };
}
