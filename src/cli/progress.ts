/**
 * What the progress bar says, kept apart from drawing it so it can be tested: the run count and
 * the remaining time.
 *
 * The count is the runner's (finished runs / runs of this invocation). It used to be shown through
 * a cli-progress token named `total`, which cli-progress fills with the bar's own scale (1000), so
 * the bar read "35/1000 runs" for 36 runs.
 *
 * The remaining time used to be cli-progress's: the slope over the last 50 progress messages. At
 * the start those span the worker threads' start-up and the first, slow (not yet compiled) run on
 * each worker, so the rate was low and the estimate several times too long, and it only recovered
 * once 50 messages had gone by. Here the rate is measured from the first progress the runs report
 * (start-up excluded) over a window of half the time since then (at least a few seconds): long
 * enough to span whole runs finishing on every worker, short enough to forget the slow start.
 */
import type { Progress } from '../scenario/runner.js';

/** Shortest window the rate is measured over, in ms: shorter ones see single runs finishing. */
const MIN_WINDOW_MS = 3000;

export class EtaEstimator {
  private readonly samples: Array<{ t: number; f: number }> = [];
  private initial?: number;

  /** `t`: ms on any monotonic clock; `fraction`: work done, 0..1 (resumed runs included). */
  update(t: number, fraction: number): void {
    if (this.initial === undefined) {
      // The first call is the runner's report before any run started (resumed runs only).
      this.initial = fraction;
      return;
    }
    // Nothing done in this invocation yet: the workers are still starting; no rate to measure.
    if (this.samples.length === 0 && fraction <= this.initial) return;
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) {
      last.f = Math.max(last.f, fraction);
      return;
    }
    this.samples.push({ t, f: fraction });
  }

  /** Seconds left at time `t` (ms), or undefined while there is no rate to go by. */
  remaining(t: number): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last) return undefined;
    if (last.f >= 1) return 0;
    const now = Math.max(t, last.t);
    const window = Math.max(MIN_WINDOW_MS, (now - first.t) / 2);
    // The latest sample at or before the window's start (the first one if the window reaches back past it).
    // During a stall longer than the window that is the last sample itself: then the one before
    // it, so the estimate grows while nothing finishes instead of vanishing.
    let from = first;
    for (let i = 0; i < this.samples.length - 1; i++) {
      if (this.samples[i]!.t <= now - window) from = this.samples[i]!;
      else break;
    }
    const rate = (last.f - from.f) / (now - from.t);
    if (!(rate > 0)) return undefined;
    return (1 - last.f) / rate / 1000;
  }
}

/** `45 s`, `3 min 05 s`, `2 h 10 min`; `?` when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.round(m / 1440)} days`;
}

/** The text after the bar: `35/36 runs | eta 12 s`. */
export function progressStatus(p: Progress, etaSeconds: number | undefined): string {
  return `${p.done}/${p.total} runs | eta ${formatEta(etaSeconds)}`;
}
