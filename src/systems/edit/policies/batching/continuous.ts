/** Step-level continuous batching: requests join (and leave) after any denoising step. */
import type { BatchingPolicy } from './types.js';

export const continuousBatching = (): BatchingPolicy => ({
  admit: (running, queued, maxBatch) => Math.max(0, Math.min(queued, maxBatch - running)),
});
