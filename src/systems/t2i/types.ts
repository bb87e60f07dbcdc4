/**
 * The interfaces t2i policies implement. Each policy is one file behind one of these, registered by
 * name in its folder's index.ts. Policies are small and pure where they can be: the worker (in
 * serve.ts) owns time, memory and links, and asks policies only what to do.
 */

// --- LoRA placement: cache eviction -----------------------------------------------------------

/** Orders the resident entries of an adapter cache for eviction. */
export interface EvictionPolicy {
  /** `key` became resident (after a miss). */
  insert(key: string): void;
  /** `key` was used while resident (a hit). */
  touch(key: string): void;
  /** `key` left the cache. */
  remove(key: string): void;
  /** The resident key to evict next among those `evictable` accepts; undefined if none. */
  victim(evictable: (key: string) => boolean): string | undefined;
}
export type EvictionFactory = () => EvictionPolicy;

// --- LoRA application -----------------------------------------------------------------------

/** How a request's LoRAs are brought into the computation. */
export interface LoraApplication {
  readonly name: string;
  /** PEFT-style adapter construction per newly loaded LoRA, on the host, seconds. */
  readonly setupSeconds: number;
  /** Load a request's LoRAs one after another (Python loop) instead of all at once. */
  readonly sequentialLoads: boolean;
  /** Merge into the base weights (patch/unpatch cost, no per-step cost) or compute beside them each step. */
  readonly merged: boolean;
  /**
   * Denoising may start before the LoRA is patched; it must be in before this step (null: it
   * must be in before step 0). Clamped to steps - 1 so the last step always has it.
   */
  readonly deferUntilStep: number | null;
}
export interface ApplicationParams {
  async_k: number;
  peft_setup_s: number;
}
export type ApplicationFactory = (p: ApplicationParams) => LoraApplication;

// --- ControlNet placement -----------------------------------------------------------------------

export interface DenoiseInput {
  steps: number;
  /** Serving-GPU seconds per step (denoiser plus any unmerged LoRA work). */
  unet: number;
  /** Seconds per step of each ControlNet of the request. */
  controlnets: readonly number[];
  /** For dedicated ControlNet GPUs: which GPU (0..gpus-1) runs each ControlNet. */
  gpuOf: readonly number[];
  /** Seconds for one set of residuals to reach the serving GPU. */
  transfer: number;
  /** Seconds of the step that run before the residuals are needed. */
  overlap: number;
  /**
   * LoRA deferred: it is loaded at readyAt (seconds from the first step's start); its in-place
   * patch then takes `patch` seconds of the serving GPU at the first step boundary at or after
   * readyAt, and steps >= step wait for it.
   */
  gate?: { step: number; readyAt: number; patch?: number };
}

export interface DenoiseResult {
  /** From the start of step 0 to the end of the last step. */
  seconds: number;
  /** Busy seconds on the serving GPU. */
  servingBusy: number;
  /** Busy seconds on each dedicated ControlNet GPU. */
  controlnetBusy: number[];
  /** Residual sets sent over the interconnect. */
  transfers: number;
  /** Steps that used residuals computed from the previous step's latent. */
  staleSteps: number;
  /** Steps started before the gate's readyAt (run without the LoRA). */
  stepsWithoutLora: number;
}

export interface ControlNetPlacement {
  readonly name: string;
  /** Dedicated ControlNet GPUs per serving worker (0: ControlNets run on the serving GPU). */
  readonly gpusPerWorker: number;
  denoise(p: DenoiseInput): DenoiseResult;
}
export interface ControlNetParams {
  controlnet_gpus: number;
}
export type ControlNetFactory = (p: ControlNetParams) => ControlNetPlacement;

// --- request assignment ----------------------------------------------------------------------------

/** What an assignment policy may see of a worker. */
export interface WorkerView {
  readonly index: number;
  /** Requests queued or running. */
  readonly outstanding: number;
  /** The LoRA is on this worker's GPU (cached or patched). */
  holdsLora(id: string): boolean;
}
export interface AssignmentPolicy {
  /** Index of the worker that gets a request with these LoRAs. */
  choose(loras: readonly string[], workers: readonly WorkerView[]): number;
}
export interface AssignmentParams {
  affinity_slack: number;
}
export type AssignmentFactory = (p: AssignmentParams) => AssignmentPolicy;
