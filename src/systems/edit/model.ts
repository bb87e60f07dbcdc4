/** A model preset with the scenario's overrides applied and its blocks laid out for pricing. */
import { z } from 'zod';
import type { GPUS } from '../../hardware/gpus.js';
import { EDIT_MODEL_NAMES } from '../../workloads/edit/models.js';
import { CACHE_CONTENTS, CACHE_DTYPES, cacheBytesPerStep, cacheSchema, type CacheContent, type CacheDtype } from './architectures.js';
import { EDIT_CALIBRATIONS, EDIT_CALIBRATION_NAMES, type EditCalibrationName } from './calibrations.js';
import { EDIT_MODELS, UNET_UNMASKABLE, unmaskUnetLayers, type BlockGroup, type EditModelPreset } from './models.js';
import { hostSchema, resolveHost, type ResolvedHost } from './host.js';
import { ConfigError } from '../../errors.js';

const keys = <T extends Record<string, unknown>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];

/**
 * What a user measures on their own stack for one lone request (no queueing, no CPU preparation):
 * the full-compute latency and, optionally, one masked request's. costs.ts scales the priced GPU
 * compute to them (see docs/edit.md "Calibrating to a measured stack"); link and cache bytes stay
 * derived.
 */
const measuredSchema = z
  .object({
    /** A lone request computed in full: text encoder + steps + VAE decode, ms. */
    full_ms: z.number().positive().finite().optional(),
    /** A lone request using its cached activations on every block, loads hidden (FlashPS's "ideal"), at this mask ratio, ms. */
    masked: z
      .object({
        mask: z.number().gt(0).lt(1),
        ms: z.number().positive().finite(),
        /** What the measured stack cached, when not this model's `cache.content` (a K/V cache also skips the unmasked K/V projections). */
        content: z.enum(keys(CACHE_CONTENTS)).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((m) => m.full_ms !== undefined || m.masked !== undefined, { message: 'give full_ms, masked or both' })
  .refine((m) => m.full_ms === undefined || m.masked === undefined || m.masked.ms < m.full_ms, {
    message: 'a masked request must be faster than the full-compute one (masked.ms < full_ms)',
    path: ['masked', 'ms'],
  });
export type EditMeasured = z.output<typeof measuredSchema>;

/** A published calibration's name must match the model it was measured with. */
function checkCalibration(m: { preset: keyof typeof EDIT_MODELS; measured?: EditMeasured | EditCalibrationName; width?: number; height?: number; steps?: number }, ctx: z.RefinementCtx): void {
  if (typeof m.measured !== 'string') return;
  const cal: { preset: string; width?: number; height?: number; steps?: number } = EDIT_CALIBRATIONS[m.measured];
  const p = EDIT_MODELS[m.preset];
  const want = { preset: cal.preset, width: cal.width ?? EDIT_MODELS[cal.preset as keyof typeof EDIT_MODELS].width, height: cal.height ?? EDIT_MODELS[cal.preset as keyof typeof EDIT_MODELS].height, steps: cal.steps ?? EDIT_MODELS[cal.preset as keyof typeof EDIT_MODELS].steps };
  const got = { preset: m.preset as string, width: m.width ?? p.width, height: m.height ?? p.height, steps: m.steps ?? p.steps };
  for (const k of ['preset', 'width', 'height', 'steps'] as const) {
    if (want[k] !== got[k]) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['measured'], message: `${m.measured} was measured with ${k} ${want[k]}, this model has ${got[k]}` });
      return;
    }
  }
}

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
    /**
     * GEMM tiles [rows, output features] a library chooses among, for wave quantisation of the
     * blocks' kernels (kernels.ts; default CUTLASS 3's Hopper warp-specialized tiles, cooperative
     * 128 x 256 and ping-pong 128 x 128), one tile, or off: every kernel fills the GPU.
     */
    gemm_tile: z
      .union([z.literal('off'), z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])).min(1), z.tuple([z.number().int().positive(), z.number().int().positive()])])
      .default([
        [128, 256],
        [128, 128],
      ]),
    /** Split K across CTAs when a GEMM's tile grid is under one wave (the libraries' small-grid heuristic). */
    gemm_split_k: z.boolean().default(true),
    /** SMs of the GPU, when its preset's count (kernels.ts SM_COUNTS) is missing or should be overridden. */
    sms: z.number().int().positive().optional(),
    /** Measured lone-request latencies that the priced GPU compute is scaled to (off by default). */
    measured: z.union([z.enum(EDIT_CALIBRATION_NAMES), measuredSchema]).optional(),
    /**
     * Host (Python) time per step from counted eager ops (host.ts): off by default; `counted` prices
     * the preset's counts (FlashPS's artifact), or counts / op cost of one's own.
     */
    host: hostSchema.optional(),
    /**
     * UNet token-wise layers that run on every token, masked or not (default none: FlashPS Sec. 3.1,
     * every token-wise layer on the masked tokens). The artifact's BasicTransformerBlock scatters
     * the masked self-attention output back into the full cached tensor before the residual, so
     * what follows it runs on every token: cross-attention always, the FFN unless its output is
     * cached too (`use_cached_ff`), and proj in/out sit in Transformer2DModel outside the block
     * (attention.py `compute`, transformer_2d.py). Its SD2 path: [cross-attention, proj].
     */
    unmasked_layers: z.array(z.enum(UNET_UNMASKABLE)).default([]),
  })
  .strict()
  .refine((m) => (m.width === undefined) === (m.height === undefined), { message: 'width and height must be given together', path: ['width'] })
  .refine((m) => m.unmasked_layers.length === 0 || m.preset !== 'flux', { message: 'flux has no UNet layers; unmasked_layers applies to sd2.1 and sdxl', path: ['unmasked_layers'] })
  .superRefine(checkCalibration);
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
  /** GEMM tiles [rows, features] the library chooses among, for wave quantisation; absent: off. */
  gemmTiles?: ReadonlyArray<readonly [number, number]>;
  /** Split-K for grids under one wave (`model.gemm_split_k`). */
  gemmSplitK: boolean;
  /** SM count override (`model.sms`); absent: the GPU preset's. */
  sms?: number;
  /** Measured lone-request latencies to calibrate compute to (`model.measured`); absent: priced as derived. */
  measured?: EditMeasured;
  /** With a published calibration: the GPU preset it was measured on (the scenario's must match). */
  measuredGpu?: keyof typeof GPUS;
  /** Host time per step (`model.host`); absent: none. */
  host?: ResolvedHost;
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
  const scaledGroups = groups.map((g) => unmaskUnetLayers({ ...g, tokens: g.tokens * scale }, c.unmasked_layers));
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
  let host: ResolvedHost | undefined;
  try {
    host = resolveHost(c.host, c.preset, groupNames, groupNames.map((_, i) => countOf(blockGroup, i)));
  } catch (e) {
    throw new ConfigError((e as Error).message, { field: 'model.host' });
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
    ...(c.gemm_tile === 'off' ? {} : { gemmTiles: typeof c.gemm_tile[0] === 'number' ? [c.gemm_tile as [number, number]] : (c.gemm_tile as Array<[number, number]>) }),
    gemmSplitK: c.gemm_split_k,
    ...(c.sms === undefined ? {} : { sms: c.sms }),
    ...measuredOf(c.measured),
    ...(host ? { host } : {}),
  };
}

function measuredOf(m: EditMeasured | EditCalibrationName | undefined): { measured?: EditMeasured; measuredGpu?: keyof typeof GPUS } {
  if (m === undefined) return {};
  if (typeof m !== 'string') return { measured: m };
  const cal: { gpu: keyof typeof GPUS; full_ms?: number; masked?: { mask: number; ms: number; content?: CacheContent } } = EDIT_CALIBRATIONS[m];
  return { measured: { full_ms: cal.full_ms, masked: cal.masked }, measuredGpu: cal.gpu };
}

function countOf(blockGroup: Uint8Array, g: number): number {
  let n = 0;
  for (const x of blockGroup) if (x === g) n++;
  return n;
}
