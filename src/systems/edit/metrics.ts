/**
 * Edit-specific measurements beside the shared RequestMetrics: per-request cache-load and bubble
 * time, batch size per step (mean, max, a coarse time series) and host-cache hits.
 */
import { roundSig, Samples } from '../../metrics/summary.js';
import { summarise } from '../../metrics/requests.js';
import type { Metrics } from '../../metrics/types.js';

/** Step-weighted means of a value in at most `maxBins` time bins; bins double in width as time grows. */
export class SeriesRecorder {
  private sums: Float64Array;
  private counts: Float64Array;
  private width: number;

  constructor(
    private readonly maxBins = 20,
    initialWidth = 1,
  ) {
    this.sums = new Float64Array(maxBins);
    this.counts = new Float64Array(maxBins);
    this.width = initialWidth;
  }

  add(t: number, value: number): void {
    while (t >= this.width * this.maxBins) this.coarsen();
    const b = Math.floor(t / this.width);
    this.sums[b] = this.sums[b]! + value;
    this.counts[b] = this.counts[b]! + 1;
  }

  private coarsen(): void {
    const half = this.maxBins / 2;
    for (let i = 0; i < half; i++) {
      this.sums[i] = this.sums[2 * i]! + this.sums[2 * i + 1]!;
      this.counts[i] = this.counts[2 * i]! + this.counts[2 * i + 1]!;
    }
    this.sums.fill(0, half);
    this.counts.fill(0, half);
    this.width *= 2;
  }

  /** {bin start seconds: mean} for bins that saw a value. */
  series(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.maxBins; i++) {
      if (this.counts[i]! > 0) out[String(roundSig(i * this.width, 4))] = roundSig(this.sums[i]! / this.counts[i]!, 4);
    }
    return out;
  }
}

export class EditMetrics {
  readonly cacheLoad = new Samples();
  readonly bubble = new Samples();
  private steps = 0;
  private batchSum = 0;
  private batchMax = 0;
  readonly batchSeries = new SeriesRecorder(20, 1);
  hits = 0;
  cachedRequests = 0;
  blocksLoaded = 0;
  blocksRecomputed = 0;

  onStep(t: number, batch: number, loaded: number, recomputed: number): void {
    this.steps++;
    this.batchSum += batch;
    if (batch > this.batchMax) this.batchMax = batch;
    this.batchSeries.add(t, batch);
    this.blocksLoaded += loaded;
    this.blocksRecomputed += recomputed;
  }

  /** A measured (post-warm-up) request finished. */
  onMeasured(loadSeconds: number, bubbleSeconds: number, usesCache: boolean, hit: boolean): void {
    this.cacheLoad.add(loadSeconds * 1000);
    this.bubble.add(bubbleSeconds * 1000);
    if (usesCache) {
      this.cachedRequests++;
      if (hit) this.hits++;
    }
  }

  metrics(usesCache: boolean): Metrics {
    const out: Metrics = {
      cache_load_ms: summarise(this.cacheLoad),
      bubble_ms: summarise(this.bubble),
      batch_size: {
        mean: roundSig(this.steps ? this.batchSum / this.steps : 0),
        max: this.batchMax,
        series: this.batchSeries.series(),
      },
    };
    if (usesCache) {
      out.host_cache_hit_rate = roundSig(this.cachedRequests ? this.hits / this.cachedRequests : 0);
      const blocks = this.blocksLoaded + this.blocksRecomputed;
      out.recompute_fraction = roundSig(blocks ? this.blocksRecomputed / blocks : 0);
    }
    return out;
  }
}
