/** Request-level batching: a batch runs to completion; new requests wait until it is empty. */
import type { BatchingPolicy } from './types.js';

export const staticBatching = (): BatchingPolicy => ({
  admit: (running, queued, maxBatch) => (running === 0 ? Math.min(queued, maxBatch) : 0),
});
