/** Next-layer gate prediction: the trace's recorded `predicted` column, or a synthetic predictor. */
import type { PrefetchFactory } from '../../types.js';

export const predicted: PrefetchFactory = () => ({
  predict: (view, t, out) => view.predicted(t, out),
});
