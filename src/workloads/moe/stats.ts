/**
 * Routing statistics of a trace, accumulated one row at a time (for `trace inspect` and for tests
 * that check a generator produces what it was asked for):
 *  - repeat_rate: fraction of a decode token's experts that the previous token of the same request
 *    also used at that layer;
 *  - hottest_share: share of routings taken by each layer's most used expert, averaged over layers;
 *  - layer_follow_rate: how predictable layer l is from layer l-1 of the same token: the chance
 *    that an expert's most frequent successor is among the token's experts one layer up;
 *  - gate_entropy: mean entropy of a row's normalised gate weights over ln(k) (rows with k > 1);
 *  - predicted_precision / predicted_recall of the `predicted` column against `experts`.
 */
import type { TraceStats } from '../types.js';
import type { MoeRow } from './types.js';

export class RoutingStats {
  rows = 0;
  prefillRows = 0;
  tokens = 0;
  requests = 0;
  private maxLayer = -1;
  private maxExpert = -1;
  private topK = 0;
  private lastRequest = -1;
  private prev: number[][] = [];
  private below: number[] | null = null;
  private repeatSame = 0;
  private repeatTotal = 0;
  private counts: number[][] = [];
  private follow: Map<number, number>[][] = [];
  private entropySum = 0;
  private entropyRows = 0;
  private predHit = 0;
  private predCount = 0;
  private actualCount = 0;
  private firstArrival = NaN;
  private lastArrival = NaN;

  /** Rows buffered until top-k is known. */
  private pending: MoeRow[] = [];

  /**
   * Rows listing more than `topK` experts are prefill. Without the model's top-k, it is taken from
   * the first row of a request's second token (a decode token even when the first was prefill).
   */
  constructor(private modelTopK?: number) {}

  add(r: MoeRow): void {
    if (this.modelTopK === undefined) {
      const head = this.pending[0];
      this.pending.push(r);
      if (head && r.request === head.request && r.token !== head.token) {
        this.modelTopK = r.experts.length;
        this.flush();
      } else if (this.pending.length > 100_000) this.flush();
      return;
    }
    this.accept(r);
  }

  /** Accept the buffered rows (call at the end of a trace). */
  flush(): void {
    if (this.modelTopK === undefined) this.modelTopK = Math.min(...this.pending.map((p) => p.experts.length));
    const rows = this.pending;
    this.pending = [];
    for (const p of rows) this.accept(p);
  }

  private accept(r: MoeRow): void {
    this.rows++;
    if (r.request !== this.lastRequest) {
      this.requests++;
      this.lastRequest = r.request;
      this.prev = [];
      if (r.arrival_s !== undefined) {
        if (Number.isNaN(this.firstArrival)) this.firstArrival = r.arrival_s;
        this.lastArrival = r.arrival_s;
      }
    }
    if (r.layer > this.maxLayer) this.maxLayer = r.layer;
    for (const e of r.experts) if (e > this.maxExpert) this.maxExpert = e;
    const k = this.modelTopK ?? Infinity;
    if (r.experts.length > k) {
      this.prefillRows++;
      this.below = null;
      return;
    }
    if (r.experts.length > this.topK) this.topK = r.experts.length;
    if (r.layer === 0) this.tokens++;
    const l = r.layer;
    const prev = this.prev[l];
    if (prev) {
      for (const e of r.experts) if (prev.includes(e)) this.repeatSame++;
      this.repeatTotal += r.experts.length;
    }
    this.prev[l] = r.experts;
    const c = (this.counts[l] ??= []);
    for (const e of r.experts) c[e] = (c[e] ?? 0) + 1;
    if (l > 0 && this.below) {
      const f = (this.follow[l] ??= []);
      for (const a of this.below) {
        const m = (f[a] ??= new Map());
        for (const b of r.experts) m.set(b, (m.get(b) ?? 0) + 1);
      }
    }
    this.below = r.experts;
    if (r.weights && r.weights.length > 1) {
      const s = r.weights.reduce((a, b) => a + b, 0);
      let h = 0;
      for (const w of r.weights) if (w > 0) h -= (w / s) * Math.log(w / s);
      this.entropySum += h / Math.log(r.weights.length);
      this.entropyRows++;
    }
    if (r.predicted) {
      for (const e of r.predicted) if (r.experts.includes(e)) this.predHit++;
      this.predCount += r.predicted.length;
      this.actualCount += r.experts.length;
    }
  }

  get repeatRate(): number {
    return this.repeatTotal ? this.repeatSame / this.repeatTotal : NaN;
  }

  get hottestShare(): number {
    let sum = 0;
    let n = 0;
    for (const c of this.counts) {
      if (!c) continue;
      let total = 0;
      let max = 0;
      for (const x of c) {
        if (x === undefined) continue;
        total += x;
        if (x > max) max = x;
      }
      if (total > 0) {
        sum += max / total;
        n++;
      }
    }
    return n ? sum / n : NaN;
  }

  get layerFollowRate(): number {
    let top = 0;
    let total = 0;
    for (const f of this.follow) {
      if (!f) continue;
      for (const m of f) {
        if (!m) continue;
        let max = 0;
        for (const v of m.values()) {
          total += v;
          if (v > max) max = v;
        }
        top += max;
      }
    }
    // Each expert below fans out to k successors, so total / k counts the experts below.
    return total ? top / (total / Math.max(1, this.topK)) : NaN;
  }

  get gateEntropy(): number {
    return this.entropyRows ? this.entropySum / this.entropyRows : NaN;
  }

  summary(): TraceStats {
    if (this.pending.length) this.flush();
    const out: TraceStats = {
      rows: this.rows,
      requests: this.requests,
      decode_tokens: this.tokens,
      prefill_rows: this.prefillRows,
      layers: this.maxLayer + 1,
      max_expert_id: this.maxExpert,
      top_k: this.topK,
      repeat_rate: fix(this.repeatRate),
      hottest_share: fix(this.hottestShare),
      layer_follow_rate: fix(this.layerFollowRate),
      gate_entropy: fix(this.gateEntropy),
    };
    if (this.predCount > 0) {
      out.predicted_precision = fix(this.predHit / this.predCount);
      out.predicted_recall = fix(this.predHit / this.actualCount);
    }
    if (!Number.isNaN(this.firstArrival)) {
      const span = this.lastArrival - this.firstArrival;
      out.arrival_span_s = fix(span);
      if (span > 0) out.arrival_rate_per_s = fix((this.requests - 1) / span);
    }
    return out;
  }
}

function fix(x: number): number | string {
  return Number.isFinite(x) ? Number(x.toFixed(4)) : 'n/a';
}
