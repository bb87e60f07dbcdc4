/**
 * Synthetic routing traces with the statistics that matter to an expert cache, each controllable:
 *  - temporal locality: the fraction of a token's experts that repeat from the previous token at
 *    the same layer (`repeat_rate`; ~33% on Mixtral, 25% by chance: the expert locality of
 *    arXiv 2401.04088 Sec. 5 and arXiv 2312.17238 Sec. 3.1, rounded; an estimate, docs/sources.md);
 *  - cross-layer correlation: the chance a slot follows the expert this token used one layer down
 *    (`layer_corr`), through a fixed rank-preserving map, so popularity is unchanged by it;
 *  - popularity skew: Zipf(`zipf_s`) over a per-layer random ranking of the experts (default
 *    calibrated so the hottest Mixtral expert takes ~17% of routings, same sources);
 *  - gate-weight entropy: top-k weights ~ Dirichlet(alpha), alpha solved so that the mean
 *    normalised entropy equals `gate_entropy`.
 * `repeat_rate` is the realised rate, not a copy probability: the copy probability that yields it
 * (chance repeats included) is found by bisection on a fixed-seed calibration run.
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { Categorical, zipfWeights } from '../../engine/distributions.js';
import { Rng, RngStreams } from '../../engine/rng.js';
import { arrivalTimes } from '../arrivals.js';
import { synthPrediction } from './predictor.js';
import type { MoeRow } from './types.js';

/** Routing-statistics fields, shared by the trace generator and the moe system's workload schema. */
export const routingShape = {
  /** Decode tokens in the whole trace. */
  tokens: z.number().int().positive().default(2000).describe('decode tokens in the whole trace'),
  /** Decode tokens per request (the last request takes the remainder). */
  request_tokens: z.number().int().positive().default(256).describe('decode tokens per request'),
  /** Emit a prefill step (token 0, every expert the prompt routes to) before each request's decode. */
  prefill: z.boolean().default(false).describe("emit a prefill step before each request's decode"),
  /** Prompt length for prefill steps. */
  prompt_tokens: z.number().int().positive().default(512).describe('prompt length of prefill steps'),
  /** Poisson request arrivals at this rate (requests/s); absent: requests are back to back. */
  rps: z.number().positive().optional().describe('Poisson arrivals, requests/s (absent: back to back)'),
  /** Realised fraction of a token's experts that the previous token also used at that layer. */
  repeat_rate: z.number().min(0).max(1).default(0.33).describe("share of a token's experts the previous token used"),
  /** Probability that a slot follows the expert this token used one layer below. Estimate. */
  layer_corr: z.number().min(0).max(1).default(0.3).describe('chance a slot follows the expert used one layer below'),
  /** Zipf exponent of expert popularity per layer; 0.27 gives Mixtral's ~17% hottest share. */
  zipf_s: z.number().min(0).default(0.27).describe('Zipf exponent of expert popularity per layer'),
  /** Mean normalised entropy (0..1) of the top-k gate weights. Estimate: ~0.9 (e.g. 0.66/0.34). */
  gate_entropy: z.number().gt(0).max(1).default(0.9).describe('mean normalised entropy (0..1) of the top-k gate weights'),
  /** If set, a `predicted` column from a synthetic next-layer predictor of this accuracy. */
  predictor_accuracy: z.number().min(0).max(1).optional().describe('add a predicted column of this accuracy'),
};

export const moeGenSchema = z
  .object({
    /** Layers; default Mixtral-8x7B's 32. */
    layers: z.number().int().positive().default(32).describe('MoE layers'),
    /** Routed experts per layer; default Mixtral's 8. */
    experts: z.number().int().positive().default(8).describe('routed experts per layer'),
    /** Experts per token; default Mixtral's 2. */
    top_k: z.number().int().positive().default(2).describe('experts per token'),
    ...routingShape,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.top_k > p.experts) ctx.addIssue({ code: 'custom', path: ['top_k'], message: `top_k ${p.top_k} is larger than the expert count ${p.experts}` });
  });
export type MoeGenParams = z.output<typeof moeGenSchema>;
export type MoeGenInput = z.input<typeof moeGenSchema>;

interface Shape {
  layers: number;
  experts: number;
  topK: number;
  zipfS: number;
  layerCorr: number;
}

/** The per-layer expert rankings and the sampler; shared by calibration and generation. */
class Router {
  /** perm[l][r] = expert of popularity rank r at layer l; rank[l][e] its inverse. */
  readonly perm: Int32Array[] = [];
  readonly rank: Int32Array[] = [];
  private readonly zipf: Categorical;

  constructor(
    readonly s: Shape,
    structure: Rng,
    private pRep: number,
  ) {
    for (let l = 0; l < s.layers; l++) {
      const p = structure.shuffle(Array.from({ length: s.experts }, (_, i) => i));
      this.perm.push(Int32Array.from(p));
      const r = new Int32Array(s.experts);
      p.forEach((e, i) => (r[e] = i));
      this.rank.push(r);
    }
    this.zipf = new Categorical(zipfWeights(s.experts, s.zipfS));
    this.chosen = new Int32Array(s.experts);
  }

  fresh(l: number, rng: Rng): number {
    return this.perm[l]![this.zipf.sample(rng)]!;
  }

  /** chosen[e] === stamp marks e as already picked for the row being routed. */
  private readonly chosen: Int32Array;
  private stamp = 0;

  /**
   * Choose k distinct experts for one (token, layer) into `out`. `prev` holds the previous token's
   * experts at this layer (empty at a request's start), `below` this token's experts one layer down.
   */
  route(l: number, prev: readonly number[], below: readonly number[], out: number[], rng: Rng): void {
    const k = this.s.topK;
    const chosen = this.chosen;
    const stamp = ++this.stamp;
    if (out.length) out.length = 0;
    for (let slot = 0; slot < k; slot++) {
      // One uniform decides the mechanism and, rescaled, also the pick within it.
      const u = rng.uniform();
      let e = -1;
      if (u < this.pRep) e = this.pickUnchosen(prev, u / this.pRep);
      else if (l > 0 && below.length > 0) {
        const w = (u - this.pRep) / (1 - this.pRep);
        if (w < this.s.layerCorr) {
          const x = below[Math.floor((w / this.s.layerCorr) * below.length)]!;
          e = this.perm[l]![this.rank[l - 1]![x]!]!;
        }
      }
      while (e < 0 || chosen[e] === stamp) e = this.fresh(l, rng);
      chosen[e] = stamp;
      out.push(e);
    }
  }

  /** The element of xs not yet chosen for this row at uniform position v in [0, 1), or -1. */
  private pickUnchosen(xs: readonly number[], v: number): number {
    const chosen = this.chosen;
    const stamp = this.stamp;
    let free = 0;
    for (let i = 0; i < xs.length; i++) if (chosen[xs[i]!] !== stamp) free++;
    if (free === 0) return -1;
    let j = Math.floor(v * free);
    for (let i = 0; i < xs.length; i++) {
      if (chosen[xs[i]!] === stamp) continue;
      if (j-- === 0) return xs[i]!;
    }
    return -1;
  }
}

const EMPTY: number[] = [];

/** Realised repeat rate of one long request routed with copy probability pRep (fixed seed). */
function realisedRepeat(s: Shape, pRep: number): number {
  const router = new Router(s, new Rng(7), pRep);
  const rng = new Rng(11);
  const tokens = Math.max(60, Math.ceil(40_000 / (s.layers * s.topK)));
  const prev = Array.from({ length: s.layers }, () => [] as number[]);
  let below: number[] = [];
  const cur: number[] = [];
  let same = 0;
  let total = 0;
  for (let t = 0; t < tokens; t++) {
    for (let l = 0; l < s.layers; l++) {
      const p = prev[l]!;
      router.route(l, p, below, cur, rng);
      if (t > 0) {
        for (const e of cur) if (p.includes(e)) same++;
        total += cur.length;
      }
      prev[l] = cur.slice();
      below = prev[l]!;
    }
  }
  return total ? same / total : 0;
}

const calibrated = new Map<string, number>();

/** Copy probability whose realised repeat rate is `target` (bisection; monotone in pRep). */
export function copyProbabilityFor(s: Shape, target: number): number {
  const key = `${s.layers}:${s.experts}:${s.topK}:${s.zipfS}:${s.layerCorr}:${target}`;
  const hit = calibrated.get(key);
  if (hit !== undefined) return hit;
  const chance = realisedRepeat(s, 0);
  if (target < chance - 0.005) {
    throw new ConfigError(
      `repeat_rate ${target} is below the chance level ${chance.toFixed(3)} for ${s.experts} experts, top_k ${s.topK}, zipf_s ${s.zipfS}, layer_corr ${s.layerCorr}`,
    );
  }
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2;
    if (realisedRepeat(s, mid) < target) lo = mid;
    else hi = mid;
  }
  const p = target <= chance ? 0 : (lo + hi) / 2;
  calibrated.set(key, p);
  return p;
}

/** digamma by recurrence up to x >= 6, then the asymptotic series. */
function digamma(x: number): number {
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** Mean normalised entropy of symmetric Dirichlet(alpha) over k parts: (psi(k a + 1) - psi(a + 1)) / ln k. */
export function dirichletEntropy(alpha: number, k: number): number {
  return (digamma(k * alpha + 1) - digamma(alpha + 1)) / Math.log(k);
}

/** The symmetric Dirichlet concentration whose mean normalised entropy is `target`. */
export function alphaForEntropy(target: number, k: number): number {
  if (k < 2 || target >= 1) return Infinity;
  let lo = Math.log(1e-4);
  let hi = Math.log(1e6);
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (dirichletEntropy(Math.exp(mid), k) < target) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

const round = (x: number, d: number): number => Math.round(x * d) / d;

const betaTables = new Map<number, BetaTable>();
function betaTable(a: number): BetaTable {
  let t = betaTables.get(a);
  if (!t) betaTables.set(a, (t = new BetaTable(a)));
  return t;
}

/** Lazily generate a trace: rows grouped by request, tokens in order, layers 0..L-1. */
export function* generateMoeRows(input: MoeGenInput, seed: number): Generator<MoeRow> {
  const p = moeGenSchema.parse(input);
  const shape: Shape = { layers: p.layers, experts: p.experts, topK: p.top_k, zipfS: p.zipf_s, layerCorr: p.layer_corr };
  const pRep = copyProbabilityFor(shape, p.repeat_rate);
  const streams = new RngStreams(seed);
  const router = new Router(shape, streams.stream('routing-structure'), pRep);
  const rng = streams.stream('routing');
  const gate = streams.stream('gate-weights');
  const pred = streams.stream('predictor');
  const arrivals = p.rps !== undefined ? arrivalTimes({ rps: p.rps }, streams.stream('arrivals')) : undefined;
  const alpha = alphaForEntropy(p.gate_entropy, p.top_k);
  const gamma = Number.isFinite(alpha) ? new GammaSampler(alpha, gate) : null;
  const pairs = p.top_k === 2 && Number.isFinite(alpha) ? betaTable(alpha) : null;
  const L = p.layers;
  const prev: number[][] = new Array(L).fill(EMPTY);
  const nRequests = Math.ceil(p.tokens / p.request_tokens);

  for (let r = 0; r < nRequests; r++) {
    const decode = Math.min(p.request_tokens, p.tokens - r * p.request_tokens);
    const arrival = arrivals ? round(arrivals.next().value as number, 1e6) : undefined;
    prev.fill(EMPTY); // not a.length = 0: the arrays belong to rows already handed out
    let token = 0;
    let first = true;
    if (p.prefill) {
      for (let l = 0; l < L; l++) {
        const { experts, weights } = prefillRouting(router, l, p.prompt_tokens, rng);
        const row: MoeRow = { request: r, token, layer: l, experts, weights, predicted: undefined, arrival_s: first ? arrival : undefined };
        first = false;
        yield row;
      }
      token++;
    }
    for (let t = 0; t < decode; t++, token++) {
      let below: number[] = EMPTY;
      for (let l = 0; l < L; l++) {
        const experts: number[] = [];
        const pl = prev[l]!;
        router.route(l, pl, below, experts, rng);
        // Every row has every key (undefined when absent): one object shape for the consumers.
        const row: MoeRow = {
          request: r,
          token,
          layer: l,
          experts,
          weights: pairs ? pairWeights(pairs, gate) : gateWeights(p.top_k, gamma),
          predicted: p.predictor_accuracy !== undefined ? synthPrediction(experts, p.experts, p.predictor_accuracy, pred) : undefined,
          arrival_s: first ? arrival : undefined,
        };
        first = false;
        prev[l] = experts;
        below = experts;
        yield row;
      }
    }
  }
}

/**
 * Generated traces up to this many rows (~200 B each: about 40 MB) are kept, one at a time, for
 * the next run with the same parameters and seed: the points of a sweep share one workload, and
 * regenerating it cost each point a sixth of its run time. Longer traces stream as before.
 */
export const MEMO_ROWS = 200_000;
let memo: { key: string; rows: readonly MoeRow[] } | undefined;

/** The rows generateMoeRows gives, from the one-trace memo when small enough. Rows are read-only. */
export function generatedMoeRows(input: MoeGenInput, seed: number): Iterable<MoeRow> {
  const p = moeGenSchema.parse(input);
  const decode = p.tokens * p.layers;
  const prefill = p.prefill ? Math.ceil(p.tokens / p.request_tokens) * p.layers : 0;
  if (decode + prefill > MEMO_ROWS) return generateMoeRows(p, seed);
  const key = JSON.stringify([p, seed]);
  if (memo?.key !== key) memo = { key, rows: Array.from(generateMoeRows(p, seed)) };
  return memo.rows;
}

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (2000), with the U^(1/shape) boost for shape < 1. Local
 * because Rng.gamma looks its sampler up by name on every call, which dominated generation time.
 */
class GammaSampler {
  private readonly d: number;
  private readonly c: number;
  private readonly boost: number;
  private spare = NaN;

  constructor(
    readonly shape: number,
    private readonly rng: Rng,
  ) {
    const a = shape < 1 ? shape + 1 : shape;
    this.d = a - 1 / 3;
    this.c = 1 / Math.sqrt(9 * this.d);
    this.boost = shape < 1 ? 1 / shape : 0;
  }

  private normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const u = 1 - this.rng.uniform();
    const v = this.rng.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  sample(): number {
    const { d, c } = this;
    let g: number;
    for (;;) {
      const x = this.normal();
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = this.rng.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        g = d * v;
        break;
      }
    }
    return this.boost ? g * Math.pow(1 - this.rng.uniform(), this.boost) : g;
  }
}

/**
 * Beta(a, a) by inversion from a quantile table (for top-2 gates, Dirichlet(a, a) is Beta(a, a)):
 * one uniform per row instead of two gamma draws. 4096 intervals, linear in between; the quantiles
 * come from bisection on the regularised incomplete beta function, so the table is exact at its
 * knots and the interpolation error is far below the weights' 4-decimal rounding except in the
 * outermost interval.
 */
class BetaTable {
  private readonly q: Float64Array;
  private static readonly N = 4096;

  constructor(a: number) {
    const N = BetaTable.N;
    this.q = new Float64Array(N + 1);
    this.q[N] = 1;
    const lnB = lnBeta(a, a); // the same for all 245k evaluations below: computed once
    for (let i = 1; i < N; i++) {
      const p = i / N;
      let lo = 0;
      let hi = 1;
      for (let it = 0; it < 60; it++) {
        const mid = (lo + hi) / 2;
        if (incompleteBeta(mid, a, a, lnB) < p) lo = mid;
        else hi = mid;
      }
      this.q[i] = (lo + hi) / 2;
    }
  }

  sample(u: number): number {
    const x = u * BetaTable.N;
    const i = Math.floor(x);
    return this.q[i]! + (x - i) * (this.q[i + 1]! - this.q[i]!);
  }
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes 6.4). */
function incompleteBeta(x: number, a: number, b: number, lnB = lnBeta(a, b)): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - lnB);
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(x, a, b)) / a;
  return 1 - (front * betaCf(1 - x, b, a)) / b;
}

function betaCf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** ln B(a, b). */
function lnBeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9). */
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
function lgamma(x: number): number {
  const g = LANCZOS;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = g[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Top-2 gate weights from the Beta table, larger first, rounded to 4 decimals. */
function pairWeights(table: BetaTable, rng: Rng): number[] {
  const b = round(table.sample(rng.uniform()), 1e4);
  return b >= 0.5 ? [b, round(1 - b, 1e4)] : [round(1 - b, 1e4), b];
}

/** Top-k gate weights: a Dirichlet(alpha) draw, largest first, rounded to 4 decimals. */
function gateWeights(k: number, gamma: GammaSampler | null): number[] {
  if (k === 1) return [1];
  const w: number[] = new Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const g = gamma ? gamma.sample() : 1;
    w[i] = g;
    sum += g;
  }
  if (!(sum > 0)) return w.fill(round(1 / k, 1e4));
  // Rounded, then largest first (insertion sort: k is small).
  for (let i = 0; i < k; i++) {
    const x = round(w[i]! / sum, 1e4);
    let j = i;
    while (j > 0 && w[j - 1]! < x) {
      w[j] = w[j - 1]!;
      j--;
    }
    w[j] = x;
  }
  return w;
}

/** A prefill step: the union of fresh routings of every prompt token; weights = routing shares. */
function prefillRouting(router: Router, l: number, promptTokens: number, rng: Rng): { experts: number[]; weights: number[] } {
  const counts = new Map<number, number>();
  const k = router.s.topK;
  const picked: number[] = [];
  for (let i = 0; i < promptTokens; i++) {
    picked.length = 0;
    while (picked.length < k) {
      const e = router.fresh(l, rng);
      if (!picked.includes(e)) picked.push(e);
    }
    for (const e of picked) counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  const experts = [...counts.keys()].sort((a, b) => a - b);
  const total = promptTokens * k;
  return { experts, weights: experts.map((e) => round(counts.get(e)! / total, 1e4)) };
}
