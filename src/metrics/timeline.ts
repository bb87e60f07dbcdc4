/**
 * TimelineRecorder: the trace sink behind `servesim run --timeline`. It keeps every slice and
 * counter inside a time window, up to a cap on events, and makes the result honest about what it
 * left out:
 *  - slices that cross a window edge are clipped to it (args.clipped says which side);
 *  - each counter's last value before the window is repeated at the window start, so a memory or
 *    queue track starts at its true level rather than at nothing;
 *  - when the cap is reached, `completeUntil` is the earliest start of any event not kept, and
 *    every kept event starting at or after it is dropped too: the timeline holds *every* event in
 *    [start, completeUntil) and nothing later, so a truncated file is a clean prefix.
 * Systems report slices when they end (or, with precomputed schedules, when they start), so
 * arrival order is not time order; the prefix rule is applied once, in source().
 */
import type { TraceArgs, TraceSink } from '../engine/trace.js';
import type { RecordedCounter, RecordedSlice } from './recorders.js';

/** What toChromeTrace() reads (src/report/chrome-trace.ts TimelineSource). */
export interface TimelineData {
  slices: RecordedSlice[];
  counters: RecordedCounter[];
  start: number;
  end: number;
  maxEvents: number;
  /** Events seen in the window but not kept (cap). */
  dropped: number;
  /** The timeline is complete before this time (end of window when nothing was dropped). */
  completeUntil: number;
}

export class TimelineRecorder implements TraceSink {
  private readonly slices: RecordedSlice[] = [];
  private readonly counters: RecordedCounter[] = [];
  private readonly before = new Map<string, number>();
  private dropped = 0;
  private firstDropped = Infinity;

  constructor(
    readonly start = 0,
    readonly end = Infinity,
    readonly maxEvents = 200_000,
  ) {
    if (!(start >= 0) || !(end > start)) throw new RangeError(`timeline window needs 0 <= start < end, got ${start}..${end}`);
    if (!(Number.isInteger(maxEvents) && maxEvents >= 1)) throw new RangeError(`timeline maxEvents must be a positive integer, got ${maxEvents}`);
  }

  private full(): boolean {
    return this.slices.length + this.counters.length >= this.maxEvents;
  }

  private drop(at: number): void {
    this.dropped++;
    if (at < this.firstDropped) this.firstDropped = at;
  }

  slice(track: string, name: string, start: number, end: number, args?: TraceArgs): void {
    if (end < this.start || start > this.end) return;
    const s = Math.max(start, this.start);
    if (this.full()) return this.drop(s);
    const e = Math.min(end, this.end);
    const clipped = start < this.start ? (end > this.end ? 'both' : 'start') : end > this.end ? 'end' : undefined;
    const a = clipped ? { ...args, clipped } : args;
    this.slices.push(a ? { track, name, start: s, end: e, args: a } : { track, name, start: s, end: e });
  }

  counter(track: string, time: number, value: number): void {
    if (time < this.start) {
      this.before.set(track, value);
      return;
    }
    if (time > this.end) return;
    if (this.full()) return this.drop(time);
    this.counters.push({ track, time, value });
  }

  /** The recorded window, cut to its complete prefix, with each counter's value at the start. */
  source(): TimelineData {
    const cut = this.firstDropped;
    const slices = this.slices.filter((x) => x.start < cut);
    const counters = this.counters.filter((x) => x.time < cut);
    const dropped = this.dropped + (this.slices.length - slices.length) + (this.counters.length - counters.length);
    const initial: RecordedCounter[] = [...this.before.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([track, value]) => ({ track, time: this.start, value }));
    return {
      slices,
      counters: [...initial, ...counters],
      start: this.start,
      end: this.end,
      maxEvents: this.maxEvents,
      dropped,
      completeUntil: Math.min(cut, this.end),
    };
  }
}
