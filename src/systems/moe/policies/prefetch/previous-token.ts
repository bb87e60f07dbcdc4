/** Load what the previous token used at the target layer (temporal locality of routing). */
import type { PrefetchFactory } from '../../types.js';

export const previousToken: PrefetchFactory = () => ({
  predict: (view, t, out) => view.previous(t, out),
});
