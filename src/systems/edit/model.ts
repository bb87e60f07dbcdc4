/** A model preset with the scenario's overrides applied and its blocks laid out for pricing. */
import { z } from 'zod';
import { EDIT_MODEL_NAMES } from '../../workloads/edit/models.js';
import { CACHE_CONTENTS, CACHE_DTYPES, cacheBytesPerStep, cacheSchema, type CacheContent, type CacheDtype } from './architectures.js';
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
    /** What is cached per block and step, and at which precision (architectures.ts derives the bytes). */
    cache: cacheSchema.default({ content: 'attn-out', load: 'unmasked' }),
    /** Override the derived activation cache per template per step at the preset resolution, GiB (both CFG branches). */
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
  /** What the cache holds; `kv` also moves the K/V projections of unmasked tokens off the GPU. */
  cacheContent: CacheContent;
  cacheDtype: CacheDtype;
  /** Share of a request's cached tensor loaded per step at mask ratio m: 1 - m (`load: unmasked`) or 1 (`all`). */
  loadShare(maskRatio: number): number;
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
  const levels = scaledGroups.map((g, i) => ({ tokens: g.tokens, dim: g.dim, blocks: countOf(blockGroup, i) }));
  const content = c.cache.content;
  const dtype = c.cache.dtype ?? p.dtype;
  const derivedPerStep = cacheBytesPerStep(levels, p.cfg, content, dtype);
  // Bytes per image token per unit of width, both CFG branches; an override rescales the derivation.
  let bytesPerElement = CACHE_CONTENTS[content] * CACHE_DTYPES[dtype] * p.cfg;
  if (c.cache_gib_per_step !== undefined) bytesPerElement *= (c.cache_gib_per_step * 2 ** 30 * scale) / derivedPerStep;
  const cacheBytesPerToken = Float64Array.from(scaledGroups, (g) => bytesPerElement * g.dim);
  const elementsPerStep = levels.reduce((a, l) => a + l.tokens * l.dim * l.blocks, 0);
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
    cacheContent: content,
    cacheDtype: dtype,
    loadShare: c.cache.load === 'all' ? () => 1 : (m) => 1 - m,
  };
}

function countOf(blockGroup: Uint8Array, g: number): number {
  let n = 0;
  for (const x of blockGroup) if (x === g) n++;
  return n;
}
