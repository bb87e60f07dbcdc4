/**
 * BuddyMoE: compute the token with a resident expert similar to the missing one (its buddy), when
 * the confidence gate allows; no resident buddy (or the gate says no) means fetch. A buddy the token
 * already routes to is no substitute.
 */
import { FETCH, fallbackAllowed, type MissFactory } from '../../types.js';

export const buddy: MissFactory = (cfg) => ({
  decide(m, view) {
    if (!fallbackAllowed(m, cfg)) return FETCH;
    const list = view.buddies(m.layer, m.expert);
    const n = Math.min(list.length, cfg.buddy_candidates);
    for (let i = 0; i < n; i++) {
      const b = list[i]!;
      if (view.resident(m.layer, b) && !view.selectedWith(m.expert, b)) return b;
    }
    return FETCH;
  },
});
