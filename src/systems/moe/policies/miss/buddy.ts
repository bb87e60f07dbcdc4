/**
 * BuddyMoE (arXiv 2511.10054): compute the token with a resident expert similar to the missing one
 * (its buddy), when the confidence gate and the token-entropy gate (buddy_min_entropy) allow; no
 * resident buddy (or a gate says no) means fetch. A buddy the token already routes to is no
 * substitute.
 */
import { FETCH, fallbackAllowed, type MissFactory } from '../../types.js';

export const buddy: MissFactory = (cfg) => ({
  decide(m, view) {
    if (!fallbackAllowed(m, cfg)) return FETCH;
    // BuddyMoE's token-entropy gate: a token sure of its experts does not tolerate a substitute.
    if (m.entropy < cfg.buddy_min_entropy) return FETCH;
    const list = view.buddies(m.layer, m.expert);
    const n = Math.min(list.length, cfg.buddy_candidates);
    for (let i = 0; i < n; i++) {
      const b = list[i]!;
      if (view.resident(m.layer, b) && !view.selectedWith(m.expert, b)) return b;
    }
    return FETCH;
  },
});
