/** No prefetching: every expert not already cached is a miss. */
import type { PrefetchFactory } from '../../types.js';

export const none: PrefetchFactory = () => ({ predict: () => {} });
