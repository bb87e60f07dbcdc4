/** Load the target layer's most used experts so far (popularity skew), about top-k x batch of them. */
import type { PrefetchFactory } from '../../types.js';

export const popularity: PrefetchFactory = (_cfg, model) => {
  const order: number[] = [];
  return {
    predict(view, t, out) {
      const E = model.experts;
      const base = t.layer * E;
      const n = Math.min(E, model.topK * view.batchSize);
      order.length = 0;
      for (let e = 0; e < E; e++) order.push(e);
      // Most routed first; ties to the lower id so runs are deterministic.
      order.sort((a, b) => view.counts[base + b]! - view.counts[base + a]! || a - b);
      for (let i = 0; i < n; i++) if (view.counts[base + order[i]!]! > 0) out.push(order[i]!);
    },
  };
};
