/** When queued requests may join a GPU worker's running batch (called at every step boundary). */
export interface BatchingPolicy {
  /** How many of `queued` requests to admit now into a batch of `running` (at most maxBatch). */
  admit(running: number, queued: number, maxBatch: number): number;
}
export type BatchingFactory = () => BatchingPolicy;
