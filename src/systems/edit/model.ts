/** A model preset with the scenario's overrides applied and its blocks laid out for pricing. */
import { z } from 'zod';
import { EDIT_MODEL_NAMES } from '../../workloads/edit/models.js';
import { EDIT_MODELS, type BlockGroup, type EditModelPreset } from './models.js';

export const editModelSchema = z
  .object({
    /** Model preset (see `servesim presets`). */
    preset: z.enum(EDIT_MODEL_NAMES).default('sdxl'),
    /** Override the preset's denoising steps. */
    steps: z.number().int().min(1).max(1000).optional(),
    /** Override the preset's output resolution (pixels, multiples of 8; both or neither). */
    width: z.number().int().min(8).max(16384).multipleOf(8).optional(),
    height: z.number().int().min(8).max(16384).multipleOf(8).optional(),
    /** Override the activation cache per template per step at the preset resolution, GiB (both CFG branches). */
    cache_gib_per_step: z.number().positive().optional(),
  })
  .strict()
  .refine((m) => (m.width === undefined) === (m.height === undefined), { message: 'width and height must be given together', path: ['width'] });
export type EditModelConfig = z.input<typeof editModelSchema>;

export interface ResolvedEditModel extends Omit<EditModelPreset, 'groups'> {
  groupNames: string[];
  groups: BlockGroup[];
  /** Group index of each block in step order. */
  blockGroup: Uint8Array;
  /** Blocks per step. */
  k: number;
  /** Maximal runs of consecutive blocks of one group, in step order. */
  runs: Array<{ group: number; count: number }>;
  /** Output pixels per image at the model's resolution. */
  pixels: number;
  /** Cached activation bytes per image token of one block, per group (both CFG branches). */
  cacheBytesPerToken: Float64Array;
  /** Cached activations of one template for one step at the model resolution, bytes. */
  cacheBytesPerStep: number;
}

export function resolveEditModel(cfg: EditModelConfig): ResolvedEditModel {
  const c = editModelSchema.parse(cfg);
  const p = EDIT_MODELS[c.preset];
  const groupNames = Object.keys(p.groups);
  const groups = groupNames.map((g) => p.groups[g]!);
  const k = p.sequence.reduce((a, [, n]) => a + n, 0);
  const blockGroup = new Uint8Array(k);
  let b = 0;
  for (const [g, n] of p.sequence) blockGroup.fill(groupNames.indexOf(g), b, (b += n));
  // Changing the resolution scales tokens per block (the latent grid), the cache and the workspace.
  const width = c.width ?? p.width;
  const height = c.height ?? p.height;
  const scale = (width * height) / (p.width * p.height);
  const scaledGroups = groups.map((g) => ({ ...g, tokens: g.tokens * scale }));
  const elementsPerStep = scaledGroups.reduce((a, g, i) => a + g.tokens * g.dim * countOf(blockGroup, i), 0);
  let bytesPerElement = p.cacheBytesPerElement * p.cfg;
  if (c.cache_gib_per_step !== undefined) bytesPerElement = (c.cache_gib_per_step * 2 ** 30) / (elementsPerStep / scale);
  const cacheBytesPerToken = Float64Array.from(scaledGroups, (g) => bytesPerElement * g.dim);
  const runs: Array<{ group: number; count: number }> = [];
  for (const [g, n] of p.sequence) {
    const group = groupNames.indexOf(g);
    const last = runs[runs.length - 1];
    if (last && last.group === group) last.count += n;
    else runs.push({ group, count: n });
  }
  return {
    ...p,
    runs,
    steps: c.steps ?? p.steps,
    width,
    height,
    workspaceBytes: p.workspaceBytes * scale,
    groupNames,
    groups: scaledGroups,
    blockGroup,
    k,
    pixels: width * height,
    cacheBytesPerToken,
    cacheBytesPerStep: elementsPerStep * bytesPerElement,
  };
}

function countOf(blockGroup: Uint8Array, g: number): number {
  let n = 0;
  for (const x of blockGroup) if (x === g) n++;
  return n;
}
