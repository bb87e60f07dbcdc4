/**
 * Quantiles in bounded memory: a histogram over logarithmic buckets, as DDSketch does (Masson,
 * Rim, Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees",
 * VLDB 2019). Bucket i of the positive values holds (gamma^(i-1), gamma^i] with gamma = (1 + a) /
 * (1 - a); reporting 2 gamma^i / (gamma + 1) for it is within relative error a of every value in
 * it. Negative values mirror the positive ones; exact zeros are counted apart. Memory is one count
 * per bucket between the smallest and largest value seen: about ln(max / min) / (2 a) buckets, 23k
 * for two decades at a = 1e-4, whatever the number of values.
 *
 * Written here rather than taken from @datadog/sketches-js because the simulator also needs the
 * rank of a value (the SLO attainment, fractionAtMost), which that package does not answer.
 */
export class LogHistogram {
  private readonly logGamma: number;
  private readonly gamma: number;
  private readonly pos = new BucketCounts();
  private readonly neg = new BucketCounts();
  private zeros = 0;
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(readonly relativeError: number) {
    if (!(relativeError > 0 && relativeError < 1)) throw new Error(`LogHistogram: relative error ${relativeError} not in (0, 1)`);
    this.gamma = (1 + relativeError) / (1 - relativeError);
    this.logGamma = Math.log(this.gamma);
  }

  get count(): number {
    return this.n;
  }

  /** Buckets held (their counts are the memory used): bounded by the values' range, not their number. */
  get buckets(): number {
    return this.pos.size + this.neg.size;
  }

  add(x: number): void {
    this.n++;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    if (x > 0) this.pos.add(this.index(x));
    else if (x < 0) this.neg.add(this.index(-x));
    else this.zeros++;
  }

  /** The bucket of |x| > 0. */
  private index(ax: number): number {
    return Math.ceil(Math.log(ax) / this.logGamma);
  }

  /** The value reported for bucket i: within the relative error of every value in it. */
  private value(i: number): number {
    return (2 * Math.pow(this.gamma, i)) / (this.gamma + 1);
  }

  /** The value of order statistic k (0-based, 0 <= k < count), within the relative error; the extremes exact. */
  orderStatistic(k: number): number {
    if (k <= 0) return this.lo;
    if (k >= this.n - 1) return this.hi;
    // In value order: negatives from the largest magnitude down, zeros, positives up.
    const nNeg = this.neg.total;
    if (k < nNeg) return -this.value(this.neg.bucketOfRank(nNeg - 1 - k));
    if (k < nNeg + this.zeros) return 0;
    return this.clamp(this.value(this.pos.bucketOfRank(k - nNeg - this.zeros)));
  }

  private clamp(v: number): number {
    return Math.min(this.hi, Math.max(this.lo, v));
  }

  /** Quantile by linear interpolation between order statistics (type 7), as Samples.quantile does. */
  quantile(p: number): number {
    if (this.n === 0) return NaN;
    const h = (this.n - 1) * p;
    const lo = Math.floor(h);
    const a = this.orderStatistic(lo);
    return h === lo ? a : a + (h - lo) * (this.orderStatistic(Math.min(this.n - 1, lo + 1)) - a);
  }

  /**
   * Values <= limit, counting the limit's own bucket whole when its reported value is <= limit
   * (an error of at most that bucket's count), never counting the exact maximum below it or
   * leaving out the exact minimum at or above it.
   */
  countAtMost(limit: number): number {
    if (limit >= this.hi) return this.n;
    if (limit < this.lo) return 0;
    let c: number;
    if (limit < 0) c = this.neg.countFrom(this.index(-limit), (i) => -this.value(i) <= limit);
    else {
      const belowZero = this.neg.total + this.zeros;
      c = limit === 0 ? belowZero : belowZero + this.pos.countTo(this.index(limit), (i) => this.value(i) <= limit);
    }
    return Math.min(this.n - 1, Math.max(1, c));
  }
}

/** Counts per integer bucket index, in one Float64Array grown to the range of indices seen. */
class BucketCounts {
  private counts = new Float64Array(0);
  private offset = 0;
  total = 0;

  get size(): number {
    return this.counts.length;
  }

  add(i: number): void {
    if (this.counts.length === 0) {
      this.counts = new Float64Array(64);
      this.offset = i - 32;
    }
    let j = i - this.offset;
    if (j < 0 || j >= this.counts.length) {
      // Grow to cover i with headroom on the side it fell out of, copying the counts across.
      const lo = Math.min(this.offset, i - 32);
      const hi = Math.max(this.offset + this.counts.length, i + 33);
      const size = Math.max(hi - lo, this.counts.length * 2);
      const start = j < 0 ? hi - size : lo;
      const next = new Float64Array(size);
      next.set(this.counts, this.offset - start);
      this.counts = next;
      this.offset = start;
      j = i - this.offset;
    }
    this.counts[j]! += 1;
    this.total++;
  }

  /** The bucket index holding the value of rank r (0-based) in ascending index order. */
  bucketOfRank(r: number): number {
    let seen = 0;
    const c = this.counts;
    for (let j = 0; j < c.length; j++) {
      seen += c[j]!;
      if (seen > r) return j + this.offset;
    }
    return c.length - 1 + this.offset;
  }

  /** Values in buckets up to `last` whose reported value passes `keep` (for the last bucket only). */
  countTo(last: number, keep: (i: number) => boolean): number {
    let sum = 0;
    const c = this.counts;
    const end = Math.min(c.length - 1, last - this.offset);
    for (let j = 0; j < end; j++) sum += c[j]!;
    if (end >= 0 && keep(end + this.offset)) sum += c[end]!;
    return sum;
  }

  /** Values in buckets from `first` up (larger magnitudes; for the negative side), the first one if `keep` passes. */
  countFrom(first: number, keep: (i: number) => boolean): number {
    let sum = 0;
    const c = this.counts;
    const start = Math.max(0, first - this.offset);
    for (let j = start + 1; j < c.length; j++) sum += c[j]!;
    if (start < c.length && keep(start + this.offset)) sum += c[start]!;
    return sum;
  }
}
