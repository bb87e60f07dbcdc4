/**
 * Trace lanes for work that a model runs with unbounded concurrency (host deserialisation, PEFT
 * setup: delays, not a queued resource). Chrome trace slices on one thread must nest, so each
 * slice goes to the first lane `TRACK/i` free at its start. Slices must be reported in
 * non-decreasing start order (at the time they start), which is how the systems report them.
 */
import type { TraceArgs, TraceSink } from '../engine/trace.js';

export class TraceLanes {
  private readonly ends: number[] = [];

  constructor(
    private readonly sink: TraceSink | undefined,
    readonly track: string,
  ) {}

  slice(name: string, start: number, end: number, args?: TraceArgs): void {
    if (!this.sink || !(end > start)) return;
    let lane = this.ends.findIndex((e) => e <= start);
    if (lane < 0) lane = this.ends.push(end) - 1;
    else this.ends[lane] = end;
    this.sink.slice(`${this.track}/${lane}`, name, start, end, args);
  }
}
