/**
 * Prices of the edit system's work on one GPU worker, through the hardware's cost model (roofline
 * now, a calibrated profile when the scenario names one) and its host link.
 *
 * A batch enters only through sums over its requests (a BatchShape), so per-block prices cost
 * O(groups) whatever the batch size. For request r with pixel ratio rho (its pixels over the
 * preset's) and computed share w (its mask ratio m when its cache is used this step, 1 when not),
 * a block of group g with T image tokens, width d and J joint text tokens prices each layer type by
 * the tokens it runs on (FlashPS Sec. 3.1, Table 1):
 *   - token-wise layers (Q/O projections, cross-attention, FFN) on q_r = rho T w + J tokens;
 *   - self-attention K/V projections on every token, n_r = rho T + J (on q_r when K/V are cached);
 *   - self-attention scores and values: q_r queries against n_r keys, 4 d q_r n_r;
 *   - ResNet convolutions on every image token, rho T (a 3x3 conv needs its halo; FlashPS leaves
 *     them unchanged).
 *     FLOPs = cfg x (tokenwise x sum q + kv x sum (q or n) + conv x sum rho T + 4 d x sum q n)
 * and loads cacheBytes(g) x rho T (1 - m) bytes of cached activations.
 *
 * With `model.measured` the GPU compute is calibrated to a user's lone-request latencies: every
 * compute price (blocks, text encoder, VAE) x k, where k = measured / priced full-compute request;
 * and, given a measured masked request too, what a masked block saves over recomputing (f - c) x e,
 * so a masked block costs k ((1 - e) f + e c): still linear in the mask, equal to k f at mask 1.
 * Loads keep their derived bytes and link.
 */
import { networkOp, type Op, type OpKind } from '../../cost/ops.js';
import { FLUX_VAE, SD_VAE, TEXT_ENCODERS, textEncodeSeconds, vaeDecodeSeconds } from '../../cost/diffusion-parts.js';
import type { CostModel } from '../../cost/model.js';
import { ConfigError } from '../../errors.js';
import type { LinkSpec } from '../../hardware/types.js';
import type { CacheContent } from './architectures.js';
import type { ResolvedEditModel } from './model.js';
import { attentionUtilisation, gemmsUtilisation, SM_COUNTS, type WaveModel } from './kernels.js';
import { hostStepSeconds } from './host.js';
import { jobSeconds } from '../../cost/host.js';
import type { BlockGroup } from './models.js';

/** Sums over the requests of a batch (see the file comment). */
export class BatchShape {
  /** Requests. */
  B = 0;
  /** sum rho w, sum rho^2 w: computed share when loading. */
  A1 = 0;
  A2 = 0;
  /** sum rho, sum rho^2: every token (recompute). */
  R1 = 0;
  R2 = 0;
  /** sum rho u over requests whose cache is in host memory this step, u = 1 - m (or 1 with `cache.load: all`): loaded share. */
  U = 0;
  /** Requests loading their cache this step (u > 0): the host's per-request cache copies. */
  L = 0;

  clear(): this {
    this.B = this.A1 = this.A2 = this.R1 = this.R2 = this.U = this.L = 0;
    return this;
  }

  add(rho: number, w: number, u: number): this {
    this.B++;
    this.A1 += rho * w;
    this.A2 += rho * rho * w;
    this.R1 += rho;
    this.R2 += rho * rho;
    this.U += rho * u;
    if (u > 0) this.L++;
    return this;
  }

  equals(o: BatchShape): boolean {
    return this.B === o.B && this.A1 === o.A1 && this.A2 === o.A2 && this.R1 === o.R1 && this.R2 === o.R2 && this.U === o.U && this.L === o.L;
  }

  copyFrom(o: BatchShape): this {
    this.B = o.B;
    this.A1 = o.A1;
    this.A2 = o.A2;
    this.R1 = o.R1;
    this.R2 = o.R2;
    this.U = o.U;
    this.L = o.L;
    return this;
  }
}

type PricedKind = 'masked_block' | 'text_encoder' | 'vae';

/** Bytes of activation traffic per computed hidden element: ~8 fp16 reads/writes through a block. */
const ACT_BYTES_PER_ELEMENT = 16;

export class EditCosts {
  /** Per-group prices for the last shape priced: compute masked (c), recompute all (f), load (l). */
  readonly c: Float64Array;
  readonly f: Float64Array;
  readonly l: Float64Array;
  /** Bytes one block of each group loads for the last shape. */
  readonly loadBytes: Float64Array;
  private readonly slow: Record<PricedKind, number>;
  /** Per-launch overhead of each op kind (the price of an empty op). */
  private readonly launch: Record<PricedKind, number>;
  /** K/V of unmasked tokens come from the cache, so their projections run on masked tokens only. */
  private kvCached: boolean;
  /** Calibration to `model.measured` (k: every compute price; e: a masked block's saving); absent: none. */
  readonly calibration?: { readonly k: number; readonly e: number };
  /** Wave quantisation of the blocks' GEMMs and attention (kernels.ts); absent: kernels fill the GPU. */
  readonly wave?: WaveModel;

  /** `gpuSpec` names the GPU for its SM count (wave quantisation); without it, and without `model.sms`, there is none. */
  constructor(
    readonly model: ResolvedEditModel,
    private readonly gpu: CostModel,
    readonly link: Pick<LinkSpec, 'bandwidth' | 'latency'>,
    gpuSpec?: { readonly name: string },
  ) {
    const G = model.groups.length;
    this.c = new Float64Array(G);
    this.f = new Float64Array(G);
    this.l = new Float64Array(G);
    this.loadBytes = new Float64Array(G);
    this.kvCached = model.cacheContent === 'kv';
    // The framework slowdown describes eager-mode overheads a roofline misses; a fitted profile
    // measured them already, so it applies to roofline-priced op kinds only.
    const slowFor = (kind: OpKind) => (gpu.source(kind).startsWith('fitted') ? 1 : model.frameworkSlowdown);
    this.slow = { masked_block: slowFor('masked_block'), text_encoder: slowFor('text_encoder'), vae: slowFor('vae') };
    const empty = (kind: PricedKind) => gpu.opSeconds(networkOp(kind, 0, 0, 'fp16'));
    this.launch = { masked_block: empty('masked_block'), text_encoder: empty('text_encoder'), vae: empty('vae') };
    const sms = model.sms ?? (gpuSpec ? SM_COUNTS[gpuSpec.name] : undefined);
    if (model.gemmTiles && sms) this.wave = { tiles: model.gemmTiles, sms, splitK: model.gemmSplitK };
    if (model.measured) this.calibration = this.calibrate(model.measured);
  }

  /**
   * Rows a set of GEMMs is worth once wave quantisation is counted: image rows `img` and joint
   * text rows `txt` (per CFG branch), through their own weights (split streams) or one GEMM
   * together. rows / utilisation; the plain row count without a wave model.
   */
  private effRows(grp: BlockGroup, shapes: ReadonlyArray<readonly [number, number]>, img: number, txt: number, cfg: number): number {
    const w = this.wave;
    if (!w) return img + txt;
    if (grp.splitStreams) return img / gemmsUtilisation(w, cfg * img, shapes) + txt / gemmsUtilisation(w, cfg * txt, shapes);
    return (img + txt) / gemmsUtilisation(w, cfg * (img + txt), shapes);
  }

  /**
   * k and e from the measured lone requests, against this model's own uncalibrated prices of the
   * same requests: P = text encoder + steps x full step + VAE, Q the same with every block masked.
   */
  private calibrate(meas: NonNullable<ResolvedEditModel['measured']>): { k: number; e: number } {
    const m = this.model;
    const lone = (w: number) => {
      this.price(new BatchShape().add(1, w, 0));
      let c = 0;
      let f = 0;
      for (const g of m.blockGroup) {
        c += this.c[g]!;
        f += this.f[g]!;
      }
      return { c, f };
    };
    // A masked request priced with what the measured stack cached (this model's own cache after).
    const maskedStep = ({ mask, content }: { mask: number; content?: CacheContent }) => {
      const own = this.kvCached;
      if (content !== undefined) this.kvCached = content === 'kv';
      const c = lone(mask).c;
      this.kvCached = own;
      return c;
    };
    const fixed = this.textEncoderSeconds(1) + this.vaeSeconds(1);
    if (m.host) return this.calibrateWithHost(meas, fixed, lone(1).f, meas.masked ? maskedStep(meas.masked) : 0);
    if (meas.full_ms === undefined) return { k: meas.masked!.ms / 1000 / (fixed + m.steps * maskedStep(meas.masked!)), e: 1 };
    const F = lone(1).f;
    const k = meas.full_ms / 1000 / (fixed + m.steps * F);
    if (!meas.masked) return { k, e: 1 };
    const { ms, mask } = meas.masked;
    const C = maskedStep(meas.masked);
    const e = (meas.full_ms - ms) / 1000 / (k * m.steps * (F - C));
    if (!(e <= 1)) {
      const fastest = k * (fixed + m.steps * C) * 1000;
      throw new ConfigError(
        `${ms} ms at mask ${mask} saves more than ${m.name}'s masked blocks can be scaled to (e = ${e.toFixed(3)} > 1); with full_ms ${meas.full_ms} the fastest accepted is ${fastest.toFixed(1)} ms`,
        { field: 'model.measured.masked.ms' },
      );
    }
    return { k, e };
  }

  /**
   * The same with host time per step (`model.host`): a lone request takes k x fixed + steps x
   * (serial + max(issue, GPU)) (overlapped; serial: their sum), so k and e are solved against the
   * GPU share of the step. A measured latency the host alone already exceeds cannot calibrate the
   * GPU and is refused, naming the host floor.
   */
  private calibrateWithHost(meas: NonNullable<ResolvedEditModel['measured']>, fixed: number, F: number, C: number): { k: number; e: number } {
    const m = this.model;
    const h = m.host!;
    const n = m.steps;
    const hostOf = (cached: boolean) => hostStepSeconds(h, 1, cached ? 1 : 0, { serial: 0, issue: 0 });
    const overlapped = h.overlap === 'overlapped';
    // Host seconds a lone step adds in series, and the GPU share below which the step is host-bound.
    const series = (x: { serial: number; issue: number }) => x.serial + (overlapped ? 0 : x.issue);
    const bound = (x: { serial: number; issue: number }) => (overlapped ? x.issue : 0);
    const refuse = (field: string, ms: number, floorS: number, what: string) =>
      new ConfigError(
        `${ms} ms is at or below the host floor of ${m.name}'s lone ${what} request (${(floorS * 1000).toFixed(1)} ms at ${(h.opSeconds * 1e6).toFixed(1)} us an op, model.host): the host bounds its steps, so it cannot calibrate the GPU; lower model.host.op_us or set model.host: off`,
        { field },
      );
    const hf = hostOf(false);
    const hm = hostOf(true);
    if (meas.full_ms === undefined) {
      const { ms } = meas.masked!;
      const k = (ms / 1000 - n * series(hm)) / (fixed + n * C);
      if (!(k > 0) || k * C < bound(hm)) throw refuse('model.measured.masked.ms', ms, n * (hm.serial + hm.issue), 'masked');
      return { k, e: 1 };
    }
    const k = (meas.full_ms / 1000 - n * series(hf)) / (fixed + n * F);
    if (!(k > 0) || k * F < bound(hf)) throw refuse('model.measured.full_ms', meas.full_ms, n * (hf.serial + hf.issue), 'full-compute');
    if (!meas.masked) return { k, e: 1 };
    const { ms, mask } = meas.masked;
    // The GPU seconds of the lone masked step that give the measured latency.
    const G = (ms / 1000 - k * fixed) / n - series(hm);
    if (!(G > 0) || G < bound(hm)) throw refuse('model.measured.masked.ms', ms, k * fixed + n * (hm.serial + hm.issue), 'masked');
    const e = (k * F - G) / (k * (F - C));
    if (!(e <= 1)) {
      const fastest = (k * fixed + n * (hm.serial + jobSeconds(k * C, hm.issue, h.overlap))) * 1000;
      throw new ConfigError(
        `${ms} ms at mask ${mask} saves more than ${m.name}'s masked blocks can be scaled to (e = ${e.toFixed(3)} > 1); with full_ms ${meas.full_ms} the fastest accepted is ${fastest.toFixed(1)} ms`,
        { field: 'model.measured.masked.ms' },
      );
    }
    return { k, e };
  }

  /** Host seconds of a step of this shape ({serial, issue}); zeros without `model.host`. */
  hostStep(s: BatchShape, out: { serial: number; issue: number }): { serial: number; issue: number } {
    if (!this.model.host) {
      out.serial = out.issue = 0;
      return out;
    }
    return hostStepSeconds(this.model.host, s.B, s.L, out);
  }

  /** Fill c, f, l (per group, seconds) for a batch shape. */
  price(s: BatchShape): void {
    const m = this.model;
    const J = m.jointTextTokens;
    const cfg = m.cfg;
    for (let g = 0; g < m.groups.length; g++) {
      const grp = m.groups[g]!;
      const T = grp.tokens;
      const kvTokens = T * s.R1 + J * s.B;
      const q = T * s.A1 + J * s.B;
      const txt = J * s.B;
      const tw = grp.gemms.tokenwise;
      const kv = grp.gemms.kv;
      // Convolutions run on every image token of every request, masked or not.
      const conv = grp.convFlopsPerToken * (grp.gemms.conv ? this.effRows(grp, [grp.gemms.conv], T * s.R1, 0, cfg) : T * s.R1);
      const kvFlops = grp.kvFlopsPerToken * this.effRows(grp, kv, this.kvCached ? T * s.A1 : T * s.R1, txt, cfg);
      // Token-wise layers `model.unmasked_layers` runs on every image token (UNets only: no text rows).
      const every = grp.everyTokenFlopsPerToken ? grp.everyTokenFlopsPerToken * this.effRows(grp, grp.gemms.every!, T * s.R1, 0, cfg) : 0;
      this.c[g] = this.block(grp.maskableFlopsPerToken * this.effRows(grp, tw, T * s.A1, txt, cfg) + kvFlops + conv + every, grp, cfg, q, T * T * s.A2 + J * T * (s.A1 + s.R1) + J * J * s.B, kvTokens);
      this.f[g] = this.block(
        grp.maskableFlopsPerToken * this.effRows(grp, tw, T * s.R1, txt, cfg) + grp.kvFlopsPerToken * this.effRows(grp, kv, T * s.R1, txt, cfg) + conv + every,
        grp,
        cfg,
        kvTokens,
        T * T * s.R2 + 2 * J * T * s.R1 + J * J * s.B,
        kvTokens,
      );
      this.loadBytes[g] = m.cacheBytesPerToken[g]! * T * s.U;
      this.l[g] = s.U > 0 ? this.link.latency + this.loadBytes[g]! / this.link.bandwidth : 0;
    }
    const cal = this.calibration;
    if (cal) {
      for (let g = 0; g < m.groups.length; g++) {
        const f = this.f[g]!;
        this.c[g] = cal.k * ((1 - cal.e) * f + cal.e * this.c[g]!);
        this.f[g] = cal.k * f;
      }
    }
  }

  /** One block call: `layers` FLOPs outside attention, `q` query tokens, `qn` = sum of q_r n_r, `kv` key tokens (per CFG branch). */
  private block(layers: number, grp: BlockGroup, cfg: number, q: number, qn: number, kv: number): number {
    // One FlashAttention CTA per 128 queries per head, over all the batch's sequences (the
    // per-sequence rounding is below the sums a BatchShape keeps).
    const attn = this.wave ? attentionUtilisation(this.wave, cfg * q, grp.heads) : 1;
    const flops = cfg * (layers + (4 * grp.dim * qn) / attn);
    const bytes = grp.weightBytes - grp.gemvWeightBytes + cfg * (q * ACT_BYTES_PER_ELEMENT + kv * 4) * grp.dim;
    return this.launches('masked_block', flops, bytes, grp.kernels) + this.gemvSeconds(grp);
  }

  /** The per-image GEMVs' weight read: memory-bound, not hidden under the block's compute (no launch: counted in `kernels`). */
  private gemvSeconds(grp: BlockGroup): number {
    if (grp.gemvWeightBytes === 0) return 0;
    const o = this.launch.masked_block;
    return this.slow.masked_block * (this.gpu.opSeconds(networkOp('masked_block', 0, grp.gemvWeightBytes, 'fp16')) - o);
  }

  /**
   * `kernels` launches sharing the work: kernels x per-launch overhead + the roofline of the whole,
   * the latter stretched by the framework slowdown.
   */
  private launches(kind: PricedKind, flops: number, bytes: number, kernels: number): number {
    const op: Op = networkOp(kind, flops / kernels, bytes / kernels, 'fp16');
    const o = this.launch[kind];
    return kernels * (o + this.slow[kind] * (this.gpu.opSeconds(op) - o));
  }

  /** Text encoding of n requests' prompts (batched; x cfg for the negative prompt): the shared pricing of cost/diffusion-parts. */
  textEncoderSeconds(n: number): number {
    return (this.calibration?.k ?? 1) * textEncodeSeconds(this.gpu, TEXT_ENCODERS[this.model.name]!, n * this.model.cfg);
  }

  /** VAE decode of images whose pixel ratios sum to `rhoSum` (batched): the shared pricing of cost/diffusion-parts. */
  vaeSeconds(rhoSum: number): number {
    const m = this.model;
    return (this.calibration?.k ?? 1) * vaeDecodeSeconds(this.gpu, m.pixels, rhoSum, m.name === 'flux' ? FLUX_VAE : SD_VAE);
  }
}
