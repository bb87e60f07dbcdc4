/**
 * Sample summaries in fixed-size typed arrays (no per-sample objects): values are appended to a
 * growing Float64Array; quantiles sort a copy once. Memory is 8 bytes per sample (16 while a sorted
 * copy is held) up to EXACT_SAMPLES; past that the samples move into a LogHistogram and memory stays
 * flat (a long replay or a 10M-request sweep would otherwise hold hundreds of MB for its exact
 * percentiles). The mean, count, min and max stay exact either way.
 */
import { LogHistogram } from './log-histogram.js';

export interface Quantiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
}

/** Samples a metric keeps exactly in one run; every shipped scenario and test stays below it. */
export const EXACT_SAMPLES = 1 << 17;

/**
 * Relative error of a percentile past EXACT_SAMPLES: 1e-4, under the half-unit of the fourth
 * significant digit (5e-4) the text and HTML tables print, and below any run's sampling noise at
 * 131k samples (a p99's standard error is about 1% there).
 */
export const SKETCH_RELATIVE_ERROR = 1e-4;

export class Samples {
  private data = new Float64Array(1024);
  private n = 0;
  private sum = 0;
  private sorted: Float64Array | null = null;
  private sketch: LogHistogram | null = null;

  constructor(private readonly exactLimit = EXACT_SAMPLES) {}

  get count(): number {
    return this.n;
  }

  /** Whether the percentiles are exact (false: from the histogram, within SKETCH_RELATIVE_ERROR). */
  get exact(): boolean {
    return this.sketch === null;
  }

  add(x: number): void {
    this.n++;
    this.sum += x;
    if (this.sketch) {
      this.sketch.add(x);
      return;
    }
    if (this.n > this.exactLimit) {
      this.toSketch(x);
      return;
    }
    if (this.n > this.data.length) {
      const next = new Float64Array(Math.min(this.data.length * 2, this.exactLimit));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n - 1] = x;
    this.sorted = null;
  }

  private toSketch(x: number): void {
    const h = new LogHistogram(SKETCH_RELATIVE_ERROR);
    for (let i = 0; i < this.n - 1; i++) h.add(this.data[i]!);
    h.add(x);
    this.sketch = h;
    this.data = new Float64Array(0);
    this.sorted = null;
  }

  mean(): number {
    return this.n ? this.sum / this.n : NaN;
  }

  /** The samples themselves; only while they are kept exactly. */
  values(): Float64Array {
    if (this.sketch) throw new Error(`Samples.values(): more than ${this.exactLimit} samples, only their histogram is kept`);
    return this.data.subarray(0, this.n);
  }

  private sortedValues(): Float64Array {
    if (!this.sorted) this.sorted = Float64Array.from(this.values()).sort();
    return this.sorted;
  }

  /** Quantile by linear interpolation between order statistics (type 7, as numpy's default). */
  quantile(p: number): number {
    return this.sketch ? this.sketch.quantile(p) : quantileSorted(this.sortedValues(), p);
  }

  summary(): Quantiles {
    const h = this.sketch;
    const s = h ? null : this.sortedValues();
    const q = (p: number) => (h ? h.quantile(p) : quantileSorted(s!, p));
    return {
      count: this.n,
      mean: this.mean(),
      p50: q(0.5),
      p90: q(0.9),
      p95: q(0.95),
      p99: q(0.99),
      max: this.n ? (h ? h.quantile(1) : s![this.n - 1]!) : NaN,
      min: this.n ? (h ? h.quantile(0) : s![0]!) : NaN,
    };
  }

  /** Fraction of samples <= limit (past EXACT_SAMPLES, the limit's own bucket counts whole or not at all). */
  fractionAtMost(limit: number): number {
    if (this.n === 0) return NaN;
    if (this.sketch) return this.sketch.countAtMost(limit) / this.n;
    const s = this.sortedValues();
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo / s.length;
  }

  /** `points` evenly spaced quantiles for a CDF plot. */
  cdf(points = 100): Array<{ value: number; p: number }> {
    if (this.n === 0) return [];
    const out: Array<{ value: number; p: number }> = [];
    for (let i = 0; i <= points; i++) {
      const p = i / points;
      out.push({ value: this.quantile(p), p });
    }
    return out;
  }
}

export function quantileSorted(s: ArrayLike<number>, p: number): number {
  const n = s.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/** Round to a fixed number of significant digits, so results.json stays readable and stable. */
export function roundSig(x: number, digits = 6): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}
