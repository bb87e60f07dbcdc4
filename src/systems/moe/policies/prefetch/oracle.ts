/** Perfect knowledge of the target's routing: an upper bound for prefetchers at the same depth. */
import type { PrefetchFactory } from '../../types.js';

export const oracle: PrefetchFactory = () => ({
  predict: (view, t, out) => view.actual(t, out),
});
