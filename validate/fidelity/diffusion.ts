/**
 * (b) Diffusion-style image editing: each request runs `steps` denoising steps of `blocks` masked
 * transformer blocks over its template's cached activations (X, K, V per block, in host memory,
 * uploaded into a device slot when the request joins). Step-level continuous batching: after any
 * step, arrived requests join the batch (up to maxBatch). Two loading policies:
 *  - sequential-load: a joining request's whole cache is uploaded, then the step computes;
 *  - overlapped-load: block b+1's cache upload is issued right behind block b's compute (FlashPS's
 *    bubble-free pipeline), so on a device with a copy engine the load hides under compute.
 * Mask ratios are right-skewed (Beta with mean `meanMask`), as InstGenIE (arXiv 2505.20600) reports for edits.
 */
import { RngStreams, betaFromMean } from '../../src/engine/index.js';
import type { CostModel } from '../../src/cost/model.js';
import type { Gpu } from '../gpu/device.js';
import { encode, storageBuffer, upload } from '../gpu/buffers.js';
import { elemBytes, type KDtype } from '../kernels/dtype.js';
import { maskedBlock, maskedBlockOp, maskedScratch, type MaskedScratch } from '../kernels/masked.js';
import type { Invocation } from '../kernels/pipeline.js';
import { randomValues } from '../kernels/reference.js';
import type { Cmd, DeviceSide, RunRecord, Workload } from './stream.js';
import type { OpShape } from './speed.js';

export const DIFFUSION_POLICIES = {
  'sequential-load': { pipelined: false },
  'overlapped-load': { pipelined: true },
} as const satisfies Record<string, { pipelined: boolean }>;
export type DiffusionPolicy = keyof typeof DIFFUSION_POLICIES;

export interface DiffusionConfig {
  tokens: number;
  hidden: number;
  heads: number;
  blocks: number;
  steps: number;
  maxBatch: number;
  templates: number;
  requests: number;
  meanMask: number;
  /** Bounds a drawn mask ratio is clamped to (default [0.02, 0.6]). */
  maskRange?: [number, number];
  /** Offered load: arrival rate times estimated service time (Poisson arrivals). */
  load: number;
  /** 'at-start': every request waits at time 0 (an offline batch; `load` unused). Default Poisson. */
  arrivals?: 'poisson' | 'at-start';
  dtype: KDtype;
  seed: number;
}

export function diffusionConfig(quick: boolean, dtype: KDtype, seed = 11): DiffusionConfig {
  return {
    tokens: 256,
    hidden: 128,
    heads: 2,
    blocks: 2,
    steps: quick ? 4 : 6,
    maxBatch: 4,
    templates: 6,
    requests: quick ? 10 : 28,
    meanMask: 0.15,
    load: 0.75,
    dtype,
    seed,
  };
}

/**
 * The upload-heavy variant (`diffusion-edit-uploads`): the same step loop in a regime where a
 * joining request's cache load is a large share of a step, so sequential and overlapped loading
 * separate on lavapipe (the default's 64 KiB parts take h2d's 41 GB/s small-copy segment, and its
 * block computes 12 ms over a 192 KiB cache: the device ties the policies). Why these shapes, from
 * validate/profiles/lavapipe.json:
 *  - writeBuffer copies on the issuing thread (upload_host_share 0.97) into an idle device after
 *    a sync, so sequential-load exposes all `blocks` blocks' caches of a joining request,
 *    overlapped-load only block 0's (block b+1's are copied while the batch's block b computes;
 *    `overlap` 0.87 of that hides): (blocks - 1) x U_block x 0.87 less per join.
 *  - A masked block's attention reads every cached K/V row once per masked query, one thread per
 *    query and head, at ~1.5 GB/s, while h2d moves parts of >= 96 KiB at 3.8 GB/s: the block must
 *    compute little beyond reading the cache. One masked token of 16384 (a small patch; 16 heads
 *    for 16 threads): masked_block_f16 at 16384 tokens, hidden 64, 1 masked costs 3.1 ms in the
 *    profile's roofline (3.75-3.9 ms timed) against U_block = 3 x 16384 x 64 x 2 B = 6 MiB /
 *    3.8 GB/s = 1.65 ms. (On an H100 a DiT block's 28 MB cache takes ~1 ms over PCIe against
 *    ~0.1 ms of compute: there loading is the larger part.) f16, not f32: the profile's f32 masked
 *    block is a piecewise fit over shapes of hidden >= 128 and prices this one ~35x too slow.
 *  - 4 blocks, 1 step (a one-step distilled editor), batch of 2, every request waiting at the
 *    start (an offline batch), so both slots join at every step: a step computes 2 x 4 x ~3.5 ms,
 *    sequential-load exposes 2 x 4 x 1.65 = 13.2 ms, overlapped-load 2 x 1.65 plus 0.13 of the
 *    rest. Expected (simulated at the profile, x1.2): per-step mean 46.6 vs 38.3 ms, 18% apart,
 *    against a per-step repeat spread of 1-3%.
 */
export function diffusionUploadsConfig(quick: boolean, _dtype: KDtype, seed = 11): DiffusionConfig {
  return {
    tokens: 16384,
    hidden: 64,
    heads: 16,
    blocks: 4,
    steps: 1,
    maxBatch: 2,
    templates: 4,
    requests: quick ? 12 : 200,
    meanMask: 1.5 / 16384,
    maskRange: [1 / 16384, 2 / 16384],
    load: 0,
    arrivals: 'at-start',
    dtype: 'f16',
    seed,
  };
}

export interface DiffusionPlan {
  cfg: DiffusionConfig;
  requests: Array<{ id: number; arrival: number; template: number; masked: number }>;
}

const PARTS = ['x', 'k', 'v'] as const;

export function planDiffusion(cfg: DiffusionConfig, cost: CostModel): DiffusionPlan {
  const rs = new RngStreams(cfg.seed);
  const masks = rs.stream('mask_ratios');
  const tpl = rs.stream('templates');
  const arr = rs.stream('arrivals');
  const { a, b } = betaFromMean(cfg.meanMask, 10);
  const [lo, hi] = cfg.maskRange ?? [0.02, 0.6];
  const requests = Array.from({ length: cfg.requests }, (_, id) => {
    const ratio = Math.min(hi, Math.max(lo, masks.beta(a, b)));
    return { id, arrival: 0, template: tpl.int(cfg.templates), masked: Math.max(1, Math.round(ratio * cfg.tokens)) };
  });
  const work = requests.map((r) => cfg.steps * cfg.blocks * cost.opSeconds(maskedBlockOp({ tokens: cfg.tokens, masked: r.masked, hidden: cfg.hidden, heads: cfg.heads }, cfg.dtype)));
  const mean = work.reduce((s, x) => s + x, 0) / work.length;
  let t = 0;
  for (const r of requests) {
    t += arr.exponential(cfg.load / mean);
    r.arrival = cfg.arrivals === 'at-start' ? 0 : t;
  }
  requests[0]!.arrival = 0;
  return { cfg, requests };
}

export function partBytes(cfg: DiffusionConfig): number {
  return cfg.tokens * cfg.hidden * elemBytes(cfg.dtype);
}

/** The op shapes the workload computes and how often: one masked block per request, step and block. */
export function diffusionOpShapes(plan: DiffusionPlan): OpShape[] {
  const { cfg } = plan;
  const count = new Map<number, number>();
  for (const r of plan.requests) count.set(r.masked, (count.get(r.masked) ?? 0) + cfg.steps * cfg.blocks);
  return [...count]
    .sort((a, b) => a[0] - b[0])
    .map(([masked, n]) => {
      const shape = { tokens: cfg.tokens, masked, hidden: cfg.hidden, heads: cfg.heads };
      return { family: 'masked_block' as const, shape, op: maskedBlockOp(shape, cfg.dtype), count: n };
    });
}

export function* diffusionWorkload(plan: DiffusionPlan, policy: DiffusionPolicy, rec: RunRecord): Workload {
  const { cfg } = plan;
  const pipelined = DIFFUSION_POLICIES[policy].pipelined;
  const bytes = partBytes(cfg);
  const op = (m: number) => maskedBlockOp({ tokens: cfg.tokens, masked: m, hidden: cfg.hidden, heads: cfg.heads }, cfg.dtype);
  type Active = { id: number; arrival: number; template: number; masked: number; slot: number; steps: number };
  const freeSlots = Array.from({ length: cfg.maxBatch }, (_, i) => cfg.maxBatch - 1 - i);
  const batch: Active[] = [];
  let next = 0;
  let now = 0;

  function* load(r: Active, blk: number): Generator<Cmd, void, number> {
    for (const p of PARTS) {
      rec.uploads++;
      rec.uploadBytes += bytes;
      yield { t: 'upload', slot: `s${r.slot}:b${blk}:${p}`, source: `t${r.template}:b${blk}:${p}`, bytes };
    }
  }

  while (next < plan.requests.length || batch.length > 0) {
    if (batch.length === 0 && plan.requests[next]!.arrival > now) now = yield { t: 'wait_until', time: plan.requests[next]!.arrival };
    const joining: Active[] = [];
    while (next < plan.requests.length && plan.requests[next]!.arrival <= now && freeSlots.length > 0) {
      const r = { ...plan.requests[next++]!, slot: freeSlots.pop()!, steps: 0 };
      joining.push(r);
      batch.push(r);
    }
    const start = now;
    if (!pipelined) for (const r of joining) for (let blk = 0; blk < cfg.blocks; blk++) yield* load(r, blk);
    else for (const r of joining) yield* load(r, 0);
    for (let blk = 0; blk < cfg.blocks; blk++) {
      for (const r of batch) {
        const slots = PARTS.map((p) => `s${r.slot}:b${blk}:${p}`);
        yield { t: 'compute', key: `mb:${r.slot}:${blk}:${r.masked}`, op: op(r.masked), slots };
      }
      // Pipelined: block b+1's cache is issued right behind block b's compute, to load under it.
      if (pipelined && blk + 1 < cfg.blocks) for (const r of joining) yield* load(r, blk + 1);
    }
    now = yield { t: 'sync', bytes: cfg.hidden * elemBytes(cfg.dtype) };
    rec.unitLatencies.push(now - start);
    for (let i = batch.length - 1; i >= 0; i--) {
      const r = batch[i]!;
      if (++r.steps === cfg.steps) {
        rec.requests.push({ id: r.id, arrival: r.arrival, done: now, units: cfg.steps });
        freeSlots.push(r.slot);
        batch.splice(i, 1);
      }
    }
  }
  rec.requests.sort((a, b) => a.id - b.id);
  rec.makespan = now;
}

export function diffusionDevice(gpu: Gpu, plan: DiffusionPlan): DeviceSide {
  const { cfg } = plan;
  const d = gpu.device;
  const t = cfg.dtype;
  const N = cfg.tokens;
  const dm = cfg.hidden;
  const owned: GPUBuffer[] = [];
  const own = (b: GPUBuffer) => (owned.push(b), b);
  const sc = 1 / Math.sqrt(dm);
  const weights = Array.from({ length: cfg.blocks }, (_, blk) => ({
    wqkv: own(upload(d, randomValues(dm * 3 * dm, 10 + blk, sc), t)),
    wo: own(upload(d, randomValues(dm * dm, 20 + blk, sc), t)),
    w1: own(upload(d, randomValues(dm * 4 * dm, 30 + blk, sc), t)),
    w2: own(upload(d, randomValues(4 * dm * dm, 40 + blk, sc / 2), t)),
  }));
  const scratch: MaskedScratch[] = weights.map(() => maskedScratch(d, t, dm, N));
  scratch.forEach((s) => Object.values(s).forEach(own));
  const slots = new Map<string, GPUBuffer>();
  for (let s = 0; s < cfg.maxBatch; s++)
    for (let blk = 0; blk < cfg.blocks; blk++) for (const p of [...PARTS, 'out']) slots.set(`s${s}:b${blk}:${p}`, own(storageBuffer(d, N * dm * elemBytes(t))));
  const sources = new Map<string, Uint8Array>();
  for (let tp = 0; tp < cfg.templates; tp++)
    for (let blk = 0; blk < cfg.blocks; blk++)
      PARTS.forEach((p, i) => sources.set(`t${tp}:b${blk}:${p}`, encode(randomValues(N * dm, 7000 + tp * 100 + blk * 10 + i), t).slice()));
  const idx = new Map<number, GPUBuffer>();
  const idxFor = (m: number) => {
    let b = idx.get(m);
    if (!b) {
      const xs = Uint32Array.from({ length: m }, (_, i) => Math.floor((i * N) / m));
      b = own(storageBuffer(d, xs.byteLength));
      d.queue.writeBuffer(b, 0, xs);
      idx.set(m, b);
    }
    return b;
  };
  const invs = new Map<string, Invocation[]>();
  return {
    slot: (name) => slots.get(name)!,
    source: (name) => sources.get(name)!,
    compute(key) {
      let v = invs.get(key);
      if (!v) {
        const [, s, blk, m] = key.split(':').map((x, i) => (i === 0 ? 0 : Number(x.replace(/^\D+/, ''))));
        const st = (p: string) => slots.get(`s${s}:b${blk}:${p}`)!;
        v = maskedBlock(d, t, { tokens: N, masked: m!, hidden: dm, heads: cfg.heads }, weights[blk!]!, scratch[blk!]!, {
          idx: idxFor(m!),
          x: st('x'),
          k: st('k'),
          v: st('v'),
          out: st('out'),
        });
        invs.set(key, v);
      }
      return v;
    },
    output: slots.get('s0:b0:out')!,
    // One block per distinct mask size compiles every kernel variant the run can use.
    warmKeys: [...new Set(plan.requests.map((r) => r.masked))].map((m) => `mb:0:0:${m}`),
    destroy: () => owned.forEach((b) => b.destroy()),
  };
}
