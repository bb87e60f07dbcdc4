/**
 * Bounded asynchronous loading: denoising starts at once without the LoRA while it loads and is
 * merged in place on the side; it joins at the first step after it is ready and no later than
 * step K (denoising stalls before step K if it is not). Steps run without it are the quality cost.
 */
import type { LoraApplication, ApplicationParams } from '../../types.js';

export function async(p: ApplicationParams): LoraApplication {
  return { name: 'async', setupSeconds: 0, sequentialLoads: false, merged: true, deferUntilStep: p.async_k };
}
