/**
 * What resources report about their activity, for Gantt views and Chrome trace export. The engine
 * only defines the sink; metrics/ implements it. With no sink attached, resources skip all of this.
 */
export interface TraceArgs {
  [key: string]: string | number | boolean | undefined;
}

export interface TraceSink {
  /** An op occupied `track` from `start` to `end` (seconds). */
  slice(track: string, name: string, start: number, end: number, args?: TraceArgs): void;
  /** A sampled value (memory occupancy, queue length) changed to `value` at `time`. */
  counter(track: string, time: number, value: number): void;
  /**
   * False while the sink keeps no slice's args (it only sums busy time, keeps names and times only,
   * or is full): callers may then skip building args, but still report every slice and counter
   * under its name.
   */
  detail?(): boolean;
}
