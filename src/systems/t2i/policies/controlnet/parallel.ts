/**
 * Parallel (SwiftDiffusion): ControlNets run on dedicated GPUs at the same time as the denoiser's
 * encoder; their residuals (summed per GPU) cross the interconnect and the denoiser waits for them
 * before its decoder. Per step this adds max(0, controlnet + transfer - overlap) instead of the
 * ControlNet; several ControlNets on one GPU run one after another.
 *
 * Every step is alike: a step waits for its residuals, so the ControlNet GPUs are free again when
 * the next step starts (the step loop in steps.ts gives the same answer; tests check both).
 */
import type { ControlNetParams, ControlNetPlacement } from '../../types.js';
import { uniformSteps } from './uniform.js';

export function parallel(p: ControlNetParams): ControlNetPlacement {
  const gpus = p.controlnet_gpus;
  return {
    name: 'parallel',
    gpusPerWorker: gpus,
    denoise(d) {
      const perGpu = new Array<number>(gpus).fill(0);
      for (let i = 0; i < d.controlnets.length; i++) perGpu[d.gpuOf[i]!]! += d.controlnets[i]!;
      let slowest = 0;
      let used = 0;
      for (const c of perGpu) {
        if (c > 0) used++;
        if (c > slowest) slowest = c;
      }
      const step = d.unet + (used > 0 ? Math.max(0, slowest + d.transfer - d.overlap) : 0);
      return uniformSteps(d, step, d.steps * d.unet, perGpu.map((c) => c * d.steps), used * d.steps);
    },
  };
}
