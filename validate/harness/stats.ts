/** Summaries of repeated timings: median and a robust spread. */
import { quantileSorted } from '../../src/metrics/summary.js';

export interface TimingSummary {
  seconds: number[];
  median_s: number;
  /** (p90 - p10) / median: the spread a reader should trust the median with. */
  spread: number;
}

export function summarise(seconds: number[]): TimingSummary {
  const s = [...seconds].sort((a, b) => a - b);
  const median = quantileSorted(s, 0.5);
  const spread = median > 0 ? (quantileSorted(s, 0.9) - quantileSorted(s, 0.1)) / median : 0;
  return { seconds, median_s: median, spread };
}

export function median(xs: number[]): number {
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}
