/**
 * The step loop shared by the ControlNet placements that use dedicated GPUs. Each step the serving
 * GPU runs its denoiser; a ControlNet job runs on each dedicated GPU in use and sends one set of
 * residuals (summed on that GPU when it runs several ControlNets) over the interconnect; the
 * denoiser needs them `overlap` seconds into the step (before its decoder). `lag` 0 consumes the
 * residuals of this step's latent; 1 consumes those of the previous step's latent (stale).
 * A deferred LoRA (gate) is patched in at the first step boundary after it is loaded (the patch
 * occupies the serving GPU), and the loop stalls before the gate step until it is loaded.
 */
import type { DenoiseInput, DenoiseResult } from '../../types.js';

export function remoteSteps(p: DenoiseInput, gpus: number, lag: 0 | 1): DenoiseResult {
  const perGpu = new Array<number>(gpus).fill(0);
  for (let i = 0; i < p.controlnets.length; i++) perGpu[p.gpuOf[i]!]! += p.controlnets[i]!;
  const used: number[] = [];
  for (let j = 0; j < gpus; j++) if (perGpu[j]! > 0) used.push(j);
  const free = new Array<number>(gpus).fill(0);
  const busy = new Array<number>(gpus).fill(0);
  let jobs = 0;
  // Launch one ControlNet job on every GPU in use at `at`; returns when all its residuals arrive.
  const launch = (at: number): number => {
    let arrive = at;
    for (const j of used) {
      const done = Math.max(at, free[j]!) + perGpu[j]!;
      free[j] = done;
      busy[j]! += perGpu[j]!;
      if (done + p.transfer > arrive) arrive = done + p.transfer;
    }
    jobs++;
    return arrive;
  };

  const n = p.steps;
  const gate = p.gate;
  let t = 0;
  let without = 0;
  let stale = 0;
  let pending = 0; // arrival of the residuals the next step will use (lag 1)
  let landed = false;
  for (let k = 0; k < n; k++) {
    if (gate && !landed) {
      if (k >= gate.step && t < gate.readyAt) t = gate.readyAt;
      if (t >= gate.readyAt) {
        t += gate.patch ?? 0; // the in-place patch runs on the serving GPU before this step
        landed = true;
      } else without++;
    }
    const start = t;
    let need = start;
    if (used.length > 0) {
      if (lag === 0 || k === 0) need = launch(start);
      else {
        need = pending;
        stale++;
      }
      // Lag 1: this step's latent feeds the residuals of the next step (the first job serves two).
      if (lag === 1) pending = k === 0 ? need : k + 1 < n ? launch(start) : pending;
    }
    t = start + p.unet + Math.max(0, need - (start + p.overlap));
  }
  return {
    seconds: t,
    servingBusy: n * p.unet,
    controlnetBusy: busy,
    transfers: jobs * used.length,
    staleSteps: stale,
    stepsWithoutLora: without,
  };
}
