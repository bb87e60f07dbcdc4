/** Load the target layer's most used experts so far (popularity skew), about top-k x batch of them. */
import type { PrefetchFactory } from '../../types.js';

export const popularity: PrefetchFactory = (_cfg, model) => {
  const best = new Int32Array(model.experts);
  return {
    predict(view, t, out) {
      const E = model.experts;
      const base = t.layer * E;
      const n = Math.min(E, model.topK * view.batchSize);
      const counts = view.counts;
      // The n most routed, ties to the lower id so runs are deterministic: insertion into a short
      // sorted list (this runs every layer; sorting all E experts there was a hot spot).
      let m = 0;
      for (let e = 0; e < E; e++) {
        const c = counts[base + e]!;
        // Experts come in id order, so an equal count never displaces an earlier one.
        if (m === n && !(c > counts[base + best[m - 1]!]!)) continue;
        let j = m < n ? m++ : m - 1;
        while (j > 0 && c > counts[base + best[j - 1]!]!) {
          best[j] = best[j - 1]!;
          j--;
        }
        best[j] = e;
      }
      for (let i = 0; i < m; i++) if (counts[base + best[i]!]! > 0) out.push(best[i]!);
    },
  };
};
