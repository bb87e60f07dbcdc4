/**
 * Unmerged: the LoRA's two thin matrices run beside every adapted layer on every step (y += B A x),
 * so there is no patch or unpatch, and every step pays for it.
 */
import type { LoraApplication } from '../../types.js';

export function unmerged(): LoraApplication {
  return { name: 'unmerged', setupSeconds: 0, sequentialLoads: false, merged: false, deferUntilStep: null };
}
