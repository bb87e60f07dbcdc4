/**
 * The strawman with its cost read per interruption (FlashPS Sec. 6.4 measures 0.36 s "per
 * interruption"): the denoising loop stops once at a boundary where requests join and prepares
 * all of them in that stop, so the boundary waits `joinSeconds` whatever the number of joiners.
 * `inline` is the other reading (per joining request); the paper does not say which.
 */
import type { PreparePolicy } from './types.js';

export const inlineInterruptionPrepare = (): PreparePolicy => ({
  inlineSeconds: (joiners, joinSeconds) => (joiners > 0 ? joinSeconds : 0),
  preparedAt: () => null,
});
