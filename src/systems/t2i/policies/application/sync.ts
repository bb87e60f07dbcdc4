/**
 * Diffusers-like: before denoising, load each LoRA in turn (read the file, build PEFT adapter
 * modules: 2-3 s, SwiftDiffusion, arXiv 2407.02031), then fuse it into the weights. The baseline SwiftDiffusion measures.
 */
import type { LoraApplication, ApplicationParams } from '../../types.js';

export function sync(p: ApplicationParams): LoraApplication {
  return { name: 'sync', setupSeconds: p.peft_setup_s, sequentialLoads: true, merged: true, deferUntilStep: null };
}
