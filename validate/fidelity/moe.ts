/**
 * (a) MoE decode on a scaled-down synthetic MoE: L layers of (decode attention, gate GEMV, top-k
 * SwiGLU experts) with real random weights; the experts live in host memory and an expert cache
 * of `cacheSlots` device buffers (LRU). A miss uploads the expert before its FFN; prefetch
 * policies upload the next layer's predicted experts behind the current layer's compute.
 * Requests (batch 1, FIFO) arrive by a Poisson process; a token ends with a readback.
 *
 * Routing comes from a seeded synthetic trace with the Mixtral statistics of docs/sources.md
 * (skewed popularity; about a third of a token's experts repeat from the previous token), so the
 * device and the simulator see identical routing, cache decisions and op sequences.
 */
import { Categorical, RngStreams, zipfWeights } from '../../src/engine/index.js';
import { gemmOp, type Op } from '../../src/cost/ops.js';
import type { CostModel } from '../../src/cost/model.js';
import type { Gpu } from '../gpu/device.js';
import { encode, storageBuffer, upload } from '../gpu/buffers.js';
import { elemBytes, type KDtype } from '../kernels/dtype.js';
import { attention, attnOp } from '../kernels/attention.js';
import { expertBytes, expertFfn, ffnOp } from '../kernels/ffn.js';
import { gemm } from '../kernels/gemm.js';
import type { Invocation } from '../kernels/pipeline.js';
import { randomValues } from '../kernels/reference.js';
import type { DeviceSide, RunRecord, Workload } from './stream.js';
import type { OpShape } from './speed.js';

export const MOE_POLICIES = {
  /** LRU cache, fetch on a miss (stall), no prefetch. */
  'on-demand': { prefetch: 'none' },
  /** Also prefetch, behind layer l, the experts the previous token used at layer l+1. */
  'prefetch-prev-token': { prefetch: 'prev' },
  /** Also prefetch layer l+1's experts as a gate predictor with `gateAccuracy` names them. */
  'prefetch-gate': { prefetch: 'gate' },
} as const satisfies Record<string, { prefetch: 'none' | 'prev' | 'gate' }>;
export type MoePolicy = keyof typeof MOE_POLICIES;

export interface MoeConfig {
  layers: number;
  experts: number;
  topK: number;
  hidden: number;
  ffn: number;
  heads: number;
  /** Tokens of context each decode attention reads. */
  context: number;
  cacheSlots: number;
  requests: number;
  /** Output tokens per request, drawn uniformly in [min, max]. */
  tokens: [number, number];
  /** Offered load: arrival rate times estimated service time (Poisson arrivals). */
  load: number;
  /** 'at-start': every request waits at time 0 (an offline batch; `load` unused). Default Poisson. */
  arrivals?: 'poisson' | 'at-start';
  /** Probability that each of a token's experts repeats from the previous token. */
  locality: number;
  zipf: number;
  gateAccuracy: number;
  dtype: KDtype;
  seed: number;
}

export function moeConfig(quick: boolean, dtype: KDtype, seed = 7): MoeConfig {
  return {
    layers: 4,
    experts: 8,
    topK: 2,
    hidden: 256,
    ffn: 512,
    heads: 4,
    context: 256,
    cacheSlots: 12,
    requests: quick ? 10 : 32,
    tokens: quick ? [4, 8] : [6, 16],
    load: 0.7,
    locality: 0.33,
    zipf: 0.9,
    gateAccuracy: 0.8,
    dtype,
    seed,
  };
}

/**
 * The upload-heavy variant (`moe-decode-uploads`): the same decode loop in a regime where the
 * prefetch policies separate on lavapipe (the default's uploads are 2-6% of a token there, and the
 * device ties the policies). Why these shapes, from validate/profiles/lavapipe.json:
 *  - writeBuffer copies on the issuing thread (upload_host_share 0.97) while compute runs behind
 *    it, so an upload hides behind whatever compute is queued when it is issued. Right after a
 *    sync nothing is queued: a token's layer-0 miss is exposed (its upload less layer 0's attention
 *    and gate), the later ones hide while the host is ahead. The policies differ in how often that
 *    miss happens and in the wasted uploads a wrong prefetch adds (each holds the compute stream
 *    for 1 - overlap = 0.13 of its time, and costs the host its copy).
 *  - Exposed time can only be a large share of a token if an upload is not much cheaper than
 *    the FFN it feeds. h2d moves >= 96 KiB at 3.8 GB/s; the f16 expert FFN reads its weights at
 *    0.6-0.9 GB/s (profile: 5.55 ms for 3 MiB, an upload of 0.83 ms), the f32 kernel at 1.8-2.5
 *    GB/s (profile sample 3.44 ms for 6 MiB; 5.0 ms for hidden 1024 x ffn 1024, 12 MiB, re-timed).
 *    So the variant runs f32, hidden 1024, ffn 1024: an upload of 12 MiB / 3.8 GB/s = 3.3 ms
 *    against a 5.0 ms FFN (0.66; the default's 768 KiB f16 expert: 0.2 ms against 0.86 ms).
 *  - Top-1 routing (Switch Transformer) and 3 layers keep a token to 3 FFNs (~15 ms + ~1.3 ms of
 *    stalls, 0.22 per sync); a 2-slot cache (the least a prefetch needs: the expert in use and
 *    the one fetched) cannot hold a token's 3 experts, so on-demand's LRU misses every expert and
 *    pays ~3.2 ms exposed per token; prefetch-gate fetches the next token's layer-0 expert behind
 *    the last FFN and is right 80% of the time (~0.6 ms exposed); prefetch-prev-token guesses
 *    this token's expert, right as often as routing repeats.
 *  - locality 0.5, not the default's 0.33 (Mixtral): at 0.33 prev-token is right ~46% of the time
 *    and its wrong guesses (a wasted 3.3 ms copy each, 1.7 per token) cost what the right ones
 *    save: the simulator put it within 0.5% of on-demand. At 0.5 (~60% right) it sits between.
 *    Expected (simulated with the FFN at 5.0 ms): per-token mean on-demand 22.7 ms, prev-token
 *    21.9, gate 21.2: 3.3% and 3.2% apart, against a per-token repeat spread of ~0.4-1% on a quiet host.
 *  - Every request waits at the start (an offline batch): the run is the service time, so tokens/s
 *    and makespan rank the policies too (under open-loop arrivals below saturation they follow
 *    the arrivals), and the arrivals do not depend on any op price.
 */
export function moeUploadsConfig(quick: boolean, _dtype: KDtype, seed = 7): MoeConfig {
  return {
    layers: 3,
    experts: 8,
    topK: 1,
    hidden: 1024,
    ffn: 1024,
    heads: 16,
    context: 64,
    cacheSlots: 2,
    requests: quick ? 6 : 24,
    tokens: quick ? [4, 8] : [6, 16],
    load: 0,
    arrivals: 'at-start',
    locality: 0.5,
    zipf: 0.9,
    gateAccuracy: 0.8,
    dtype: 'f32',
    seed,
  };
}

export interface MoePlan {
  cfg: MoeConfig;
  /** routes[token][layer] = expert ids chosen (top-k). */
  routes: number[][][];
  /** predicted[token][layer] = what the gate predictor names for that layer. */
  predicted: number[][][];
  requests: Array<{ id: number; arrival: number; tokens: number }>;
}

function drawTopK(pick: () => number, k: number, keep: number[], pKeep: number, rng: { uniform: () => number }): number[] {
  const out: number[] = [];
  for (const e of keep) if (out.length < k && rng.uniform() < pKeep && !out.includes(e)) out.push(e);
  while (out.length < k) {
    const e = pick();
    if (!out.includes(e)) out.push(e);
  }
  return out.sort((a, b) => a - b);
}

/** Everything random about the run, fixed before either side runs. */
export function planMoe(cfg: MoeConfig, cost: CostModel): MoePlan {
  const rs = new RngStreams(cfg.seed);
  const routing = rs.stream('routing');
  const pred = rs.stream('predictor');
  const arr = rs.stream('arrivals');
  const lens = rs.stream('lengths');
  const reqs = Array.from({ length: cfg.requests }, (_, id) => ({ id, arrival: 0, tokens: cfg.tokens[0] + lens.int(cfg.tokens[1] - cfg.tokens[0] + 1) }));
  const total = reqs.reduce((s, r) => s + r.tokens, 0);
  // A per-layer popularity order (Zipf over a shuffled ranking).
  const perLayer = Array.from({ length: cfg.layers }, () => ({ order: routing.shuffle([...Array(cfg.experts).keys()]), cat: new Categorical(zipfWeights(cfg.experts, cfg.zipf)) }));
  const routes: number[][][] = [];
  for (let t = 0; t < total; t++) {
    routes.push(
      perLayer.map((pl, l) =>
        drawTopK(() => pl.order[pl.cat.sample(routing)]!, cfg.topK, t > 0 ? routes[t - 1]![l]! : [], cfg.locality, routing),
      ),
    );
  }
  const predicted = routes.map((tok) =>
    tok.map((es) => {
      const out: number[] = [];
      for (const e of es) {
        let p = e;
        if (!pred.bernoulli(cfg.gateAccuracy)) do p = pred.int(cfg.experts); while (p === e || es.includes(p) || out.includes(p));
        out.push(p);
      }
      return out;
    }),
  );
  // Arrivals: Poisson at `load` times the estimated service rate.
  const perToken = tokenOps(cfg, 'slot:0').reduce((s, op) => s + cost.opSeconds(op), 0);
  const meanService = (total / cfg.requests) * perToken;
  let t = 0;
  for (const r of reqs) {
    t += arr.exponential(cfg.load / meanService);
    r.arrival = cfg.arrivals === 'at-start' ? 0 : t;
  }
  reqs[0]!.arrival = 0;
  return { cfg, routes, predicted, requests: reqs };
}

function attnShape(cfg: MoeConfig) {
  return { batch: 1, heads: cfg.heads, q: 1, kv: cfg.context, headDim: cfg.hidden / cfg.heads };
}

/** Ops of one token with all experts resident (for the arrival-rate estimate). */
function tokenOps(cfg: MoeConfig, _slot: string): Op[] {
  const per: Op[] = [attnOp(attnShape(cfg), cfg.dtype), gemmOp(1, cfg.experts, cfg.hidden, cfg.dtype === 'f16' ? 'fp16' : 'fp32')];
  for (let k = 0; k < cfg.topK; k++) per.push(ffnOp({ tokens: 1, hidden: cfg.hidden, ffn: cfg.ffn }, cfg.dtype));
  return Array.from({ length: cfg.layers }, () => per).flat();
}

/** The op shapes the decode loop computes and how often (calibration's families; speed.ts re-times them). */
export function moeOpShapes(plan: MoePlan): OpShape[] {
  const { cfg } = plan;
  const n = plan.routes.length * cfg.layers;
  const dt = cfg.dtype === 'f16' ? 'fp16' : 'fp32';
  const ffn = { tokens: 1, hidden: cfg.hidden, ffn: cfg.ffn };
  return [
    { family: 'attention', shape: attnShape(cfg), op: attnOp(attnShape(cfg), cfg.dtype), count: n },
    { family: 'gemv', shape: { n: cfg.experts, k: cfg.hidden }, op: gemmOp(1, cfg.experts, cfg.hidden, dt), count: n },
    { family: 'expert_ffn', shape: ffn, op: ffnOp(ffn, cfg.dtype), count: n * cfg.topK },
  ];
}

/** The decode loop as device commands; fills `rec`. */
export function* moeWorkload(plan: MoePlan, policy: MoePolicy, rec: RunRecord): Workload {
  const { cfg } = plan;
  const prefetch = MOE_POLICIES[policy].prefetch;
  const bytes = expertBytes(cfg, cfg.dtype);
  const dt = cfg.dtype === 'f16' ? 'fp16' : 'fp32';
  // LRU: Map iteration order is recency order (delete + set on touch).
  const resident = new Map<string, number>();
  const free = Array.from({ length: cfg.cacheSlots }, (_, i) => cfg.cacheSlots - 1 - i);
  const id = (l: number, e: number) => `expert:${l}:${e}`;

  function* ensure(l: number, e: number, protect: Set<string>): Generator<import('./stream.js').Cmd, number, number> {
    const key = id(l, e);
    const slot = resident.get(key);
    if (slot !== undefined) {
      resident.delete(key);
      resident.set(key, slot);
      return slot;
    }
    let s = free.pop();
    if (s === undefined) {
      for (const [k, v] of resident)
        if (!protect.has(k)) {
          resident.delete(k);
          s = v;
          break;
        }
    }
    if (s === undefined) throw new Error('expert cache smaller than the experts one layer needs');
    resident.set(key, s);
    rec.uploads++;
    rec.uploadBytes += bytes;
    yield { t: 'upload', slot: `slot:${s}`, source: key, bytes };
    return s;
  }

  let tok = 0;
  let now = 0;
  for (const r of plan.requests) {
    if (r.arrival > now) now = yield { t: 'wait_until', time: r.arrival };
    for (let i = 0; i < r.tokens; i++, tok++) {
      const start = now;
      for (let l = 0; l < cfg.layers; l++) {
        yield { t: 'compute', key: `attn:${l}`, op: attnOp(attnShape(cfg), cfg.dtype), slots: [] };
        yield { t: 'compute', key: `gate:${l}`, op: gemmOp(1, cfg.experts, cfg.hidden, dt), slots: [] };
        const need = plan.routes[tok]![l]!;
        const protect = new Set(need.map((e) => id(l, e)));
        for (const e of need) {
          const s = yield* ensure(l, e, protect);
          yield { t: 'compute', key: `ffn:${s}`, op: ffnOp({ tokens: 1, hidden: cfg.hidden, ffn: cfg.ffn }, cfg.dtype), slots: [`slot:${s}`] };
        }
        if (prefetch !== 'none') {
          // The next layer of this token, or layer 0 of the next token.
          const [nt, nl] = l + 1 < cfg.layers ? [tok, l + 1] : [tok + 1, 0];
          if (nt < plan.routes.length) {
            const guess = prefetch === 'gate' ? plan.predicted[nt]![nl]! : nt > 0 ? plan.routes[nt - 1]![nl]! : [];
            const keep = new Set([...protect, ...guess.map((e) => id(nl, e))]);
            for (const e of guess) yield* ensure(nl, e, keep);
          }
        }
      }
      now = yield { t: 'sync', bytes: cfg.hidden * elemBytes(cfg.dtype) };
      rec.unitLatencies.push(now - start);
    }
    rec.requests.push({ id: r.id, arrival: r.arrival, done: now, units: r.tokens });
  }
  rec.makespan = now;
}

/** Device buffers and dispatches for the plan. */
export function moeDevice(gpu: Gpu, plan: MoePlan): DeviceSide {
  const { cfg } = plan;
  const d = gpu.device;
  const t = cfg.dtype;
  const e = elemBytes(t);
  const owned: GPUBuffer[] = [];
  const own = (b: GPUBuffer) => (owned.push(b), b);
  const x = own(upload(d, randomValues(cfg.hidden, 11), t));
  const h = own(storageBuffer(d, cfg.ffn * e));
  const y = own(storageBuffer(d, cfg.hidden * e));
  const o = own(storageBuffer(d, cfg.hidden * e));
  const logits = own(storageBuffer(d, cfg.experts * 4 * e));
  const slots = Array.from({ length: cfg.cacheSlots }, (_, i) => own(storageBuffer(d, expertBytes(cfg, t), `slot ${i}`)));
  const sources = new Map<string, Uint8Array>();
  const scale = 1 / Math.sqrt(cfg.hidden);
  for (let l = 0; l < cfg.layers; l++)
    for (let ex = 0; ex < cfg.experts; ex++)
      sources.set(`expert:${l}:${ex}`, encode(randomValues(3 * cfg.hidden * cfg.ffn, 1000 + l * 64 + ex, scale), t).slice());
  const invs = new Map<string, Invocation[]>();
  const shape = attnShape(cfg);
  for (let l = 0; l < cfg.layers; l++) {
    const k = own(upload(d, randomValues(cfg.context * cfg.hidden, 300 + l), t));
    const v = own(upload(d, randomValues(cfg.context * cfg.hidden, 400 + l), t));
    const wg = own(upload(d, randomValues(cfg.hidden * cfg.experts, 500 + l, scale), t));
    invs.set(`attn:${l}`, [attention(d, t, shape, { q: x, k, v, o })]);
    invs.set(`gate:${l}`, [gemm(d, t, { a: x, b: wg, c: logits, m: 1, n: cfg.experts, k: cfg.hidden })]);
  }
  slots.forEach((w, s) => invs.set(`ffn:${s}`, expertFfn(d, t, { tokens: 1, hidden: cfg.hidden, ffn: cfg.ffn }, { weights: w, x, h, y })));
  return {
    slot: (name) => slots[Number(name.slice(5))]!,
    source: (name) => sources.get(name)!,
    compute: (key) => invs.get(key)!,
    output: y,
    warmKeys: [...invs.keys()],
    destroy: () => owned.forEach((b) => b.destroy()),
  };
}
