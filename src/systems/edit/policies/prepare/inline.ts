/**
 * Preparation on the denoising loop's thread (FlashPS Fig. 10 top, the strawman): each joiner's
 * CPU work delays the step boundary, so every running request waits for it.
 */
import type { PreparePolicy } from './types.js';

export const inlinePrepare = (): PreparePolicy => ({
  inlineSeconds: (joiners, joinSeconds) => joiners * joinSeconds,
  preparedAt: () => null,
});
