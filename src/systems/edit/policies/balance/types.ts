/** What a load balancer sees of a GPU worker when a request arrives. */
export interface WorkerLoad {
  /** Requests queued or running on the worker. */
  readonly outstanding: number;
  /** Predicted seconds of work left on the worker (compute + cache load of its requests). */
  readonly backlogSeconds: number;
  /** Predicted solo seconds of the requests queued or running on the worker, each counted whole. */
  readonly assignedSeconds: number;
}

/** Picks a worker index for an arriving request predicted to take `predictedSeconds` alone. */
export interface BalancePolicy {
  pick(workers: readonly WorkerLoad[], predictedSeconds: number): number;
}
export type BalanceFactory = () => BalancePolicy;

/**
 * Index minimising key(i), ties broken by rotating from `start` so that idle workers share the
 * load deterministically. Returns [index, nextStart].
 */
export function argminRotating(n: number, start: number, key: (i: number) => number): [number, number] {
  let best = -1;
  let bestKey = Infinity;
  for (let j = 0; j < n; j++) {
    const i = (start + j) % n;
    const k = key(i);
    if (k < bestKey) {
      bestKey = k;
      best = i;
    }
  }
  return [best, (best + 1) % n];
}
