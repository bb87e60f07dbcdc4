/** Drop the missing expert and renormalise the others' gate weights: no stall, lost gate mass. */
import { DROP, FETCH, fallbackAllowed, type MissFactory } from '../../types.js';

export const drop: MissFactory = (cfg) => ({
  decide: (m) => (fallbackAllowed(m, cfg) ? DROP : FETCH),
});
