/**
 * Preparation on a separate CPU process per worker (FlashPS Sec. 4.3, Fig. 10 bottom): requests
 * are prepared one after another as they are dispatched, beside the running denoising steps; a
 * request may join at the first step boundary after its preparation ends.
 */
import type { PreparePolicy } from './types.js';

export const overlapPrepare = (): PreparePolicy => ({
  inlineSeconds: () => 0,
  preparedAt: (now, cpuFree, joinSeconds) => Math.max(now, cpuFree) + joinSeconds,
});
