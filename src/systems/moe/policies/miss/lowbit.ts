/**
 * Fetch a low-precision copy instead (HOBBIT): `lowbit_bits` per weight moves in a fraction of the
 * time; it serves this layer from a transient buffer and is not cached.
 */
import { FETCH, LOWBIT, fallbackAllowed, type MissFactory } from '../../types.js';

export const lowbit: MissFactory = (cfg) => ({
  decide: (m) => (fallbackAllowed(m, cfg) ? LOWBIT : FETCH),
});
