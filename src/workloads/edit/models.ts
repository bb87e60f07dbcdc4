/**
 * Per-model request defaults the edit generator and the edit system share: denoising steps and
 * output resolution. (The system's cost presets live in src/systems/edit/models.ts.)
 */
export interface EditModelDefaults {
  steps: number;
  width: number;
  height: number;
  source: string;
}

export const EDIT_MODEL_DEFAULTS = {
  'sd2.1': { steps: 50, width: 512, height: 512, source: 'Diffusers StableDiffusionInpaintPipeline defaults: 50 steps; SD 2.1 base resolution 512x512 (model card stabilityai/stable-diffusion-2-1-base)' },
  sdxl: { steps: 50, width: 1024, height: 1024, source: 'Diffusers StableDiffusionXLInpaintPipeline default 50 steps; SDXL native 1024x1024 (Podell et al., arXiv 2307.01952)' },
  flux: { steps: 28, width: 1024, height: 1024, source: 'Diffusers FluxFillPipeline / FLUX.1-dev default 28 steps at 1024x1024 (model card black-forest-labs/FLUX.1-Fill-dev)' },
} as const satisfies Record<string, EditModelDefaults>;

export type EditModelName = keyof typeof EDIT_MODEL_DEFAULTS;
export const EDIT_MODEL_NAMES = Object.keys(EDIT_MODEL_DEFAULTS) as [EditModelName, ...EditModelName[]];
