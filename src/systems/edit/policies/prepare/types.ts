/** Where a joining request's CPU preparation (inputs, mask, latents, batch state) runs. */
export interface PreparePolicy {
  /** CPU seconds the step boundary waits for when `joiners` join, each costing `joinSeconds`. */
  inlineSeconds(joiners: number, joinSeconds: number): number;
  /**
   * When a request dispatched at `now` is prepared, given that the worker's preparation thread is
   * free from `cpuFree`; null when preparation happens inline at admission instead.
   */
  preparedAt(now: number, cpuFree: number, joinSeconds: number): number | null;
}
export type PrepareFactory = () => PreparePolicy;
