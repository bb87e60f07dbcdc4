/**
 * TraceSink implementations. Resources report slices (an op on a track from start to end) and
 * counters (memory, queue length); these recorders keep bounded summaries of them:
 *  - UtilisationRecorder: busy fraction per track in at most `maxBins` time bins (bins double in
 *    width as the run grows, so memory stays fixed);
 *  - WindowRecorder: every slice and counter inside a time window, up to a cap, for Gantt views and
 *    Chrome trace export;
 *  - fanOut: one sink that forwards to several.
 */
import type { TraceArgs, TraceSink } from '../engine/trace.js';

export function fanOut(sinks: Array<TraceSink | undefined>): TraceSink | undefined {
  const live = sinks.filter((s): s is TraceSink => s !== undefined);
  if (live.length <= 1) return live[0];
  if (live.length === 2) {
    // The common pair (utilisation + a Gantt window): direct calls, no loop, on every slice.
    const [a, b] = live as [TraceSink, TraceSink];
    return {
      slice: (track, name, start, end, args) => {
        a.slice(track, name, start, end, args);
        b.slice(track, name, start, end, args);
      },
      counter: (track, time, value) => {
        a.counter(track, time, value);
        b.counter(track, time, value);
      },
      detail: () => a.detail?.() !== false || b.detail?.() !== false,
    };
  }
  return {
    slice: (track, name, start, end, args) => {
      for (let i = 0; i < live.length; i++) live[i]!.slice(track, name, start, end, args);
    },
    counter: (track, time, value) => {
      for (let i = 0; i < live.length; i++) live[i]!.counter(track, time, value);
    },
    // A loop rather than some(): this is asked once per traced transfer.
    detail: () => {
      for (let i = 0; i < live.length; i++) if (live[i]!.detail?.() !== false) return true;
      return false;
    },
  };
}

export class UtilisationRecorder implements TraceSink {
  private binWidth: number;
  private tracks = new Map<string, Float64Array>();
  private capacity = new Map<string, number>();
  private horizon = 0;
  private lastTrack: string | undefined;
  private lastBins: Float64Array | undefined;

  /** `units` maps a track prefix to its number of parallel units (a k-worker pool). */
  constructor(
    private readonly maxBins = 200,
    initialBinSeconds = 0.01,
  ) {
    this.binWidth = initialBinSeconds;
  }

  /** Declare how many units a track has, so its busy fraction is relative to them. */
  setUnits(track: string, units: number): void {
    this.capacity.set(track, units);
  }

  slice(track: string, _name: string, start: number, end: number): void {
    if (!(end > start)) return;
    while (end > this.binWidth * this.maxBins) this.coarsen();
    if (end > this.horizon) this.horizon = end;
    // Consecutive slices are mostly on one track: skip the map lookup for a repeat.
    let bins = track === this.lastTrack ? this.lastBins : this.tracks.get(track);
    if (!bins) {
      bins = new Float64Array(this.maxBins);
      this.tracks.set(track, bins);
    }
    this.lastTrack = track;
    this.lastBins = bins;
    const w = this.binWidth;
    let t = start;
    while (t < end) {
      let b = Math.floor(t / w);
      // t / w can round down to the previous bin when t sits on a boundary; step past it so the
      // loop always makes progress.
      if ((b + 1) * w <= t) b++;
      const binEnd = Math.min(end, (b + 1) * w);
      bins[b] = bins[b]! + (binEnd - t);
      t = binEnd;
    }
  }

  counter(): void {}

  /** Names and args are not kept. */
  detail(): boolean {
    return false;
  }

  private coarsen(): void {
    for (const bins of this.tracks.values()) {
      for (let i = 0; i < this.maxBins / 2; i++) bins[i] = bins[2 * i]! + bins[2 * i + 1]!;
      bins.fill(0, this.maxBins / 2);
    }
    this.binWidth *= 2;
  }

  /** Rows {t_s, resource, busy} for a utilisation timeline chart. */
  rows(): Array<{ t_s: number; resource: string; busy: number }> {
    const out: Array<{ t_s: number; resource: string; busy: number }> = [];
    const nBins = Math.min(this.maxBins, Math.ceil(this.horizon / this.binWidth));
    for (const [track, bins] of [...this.tracks.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const units = this.capacity.get(track) ?? 1;
      for (let i = 0; i < nBins; i++) {
        out.push({ t_s: i * this.binWidth, resource: track, busy: Math.min(1, bins[i]! / (this.binWidth * units)) });
      }
    }
    return out;
  }
}

export interface RecordedSlice {
  track: string;
  name: string;
  start: number;
  end: number;
  args?: TraceArgs;
}
export interface RecordedCounter {
  track: string;
  time: number;
  value: number;
}

export class WindowRecorder implements TraceSink {
  // Recorded as columns: times in Float64Arrays, track and name as indices into one table of the
  // strings seen (a run sends a handful of them, by reference, hundreds of thousands of times).
  // An object per slice lived through young-generation collections and was promoted; pushing the
  // strings onto arrays grown to 200k entries cost ~100 ns a push (docs/performance.md, "Twelfth
  // pass"). The objects are built when `slices` or `counters` is read, in recording order.
  private readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The last string looked up and its index: consecutive slices mostly repeat one. */
  private lastTrack: string | undefined = undefined;
  private lastTrackId = 0;
  private lastName: string | undefined = undefined;
  private lastNameId = 0;
  private sTrack: Uint32Array;
  private sName: Uint32Array;
  private sStart: Float64Array;
  private sEnd: Float64Array;
  /** Only with keepArgs. */
  private sArgs: (TraceArgs | undefined)[] = [];
  private nS = 0;
  private cTrack: Uint32Array;
  private cTime: Float64Array;
  private cValue: Float64Array;
  private nC = 0;
  private readonly sliceObjects: RecordedSlice[] = [];
  private readonly counterObjects: RecordedCounter[] = [];
  /**
   * Events inside the window, recorded or not. Counting every event on the path that records
   * keeps the cap from adding a path first taken mid-run: a property first read there deoptimised
   * the recorder and every caller that had inlined it, the engine's run loop among them.
   */
  private seen = 0;

  constructor(
    readonly start = 0,
    readonly end = Infinity,
    readonly maxEvents = 200_000,
    /** Keep each slice's args (a Gantt window needs only names and times). */
    readonly keepArgs = true,
  ) {
    // Columns for the whole cap at once where it is bounded: growing them by doubling allocated
    // their size twice over as ArrayBuffers, whose external memory brought on collections.
    // Pages never written are never touched.
    const n = maxEvents <= PREALLOCATE ? Math.max(1, maxEvents) : 256;
    this.sTrack = new Uint32Array(n);
    this.sName = new Uint32Array(n);
    this.sStart = new Float64Array(n);
    this.sEnd = new Float64Array(n);
    this.cTrack = new Uint32Array(n);
    this.cTime = new Float64Array(n);
    this.cValue = new Float64Array(n);
  }

  /** The slices recorded, in recording order (one array, grown as more are recorded). */
  get slices(): RecordedSlice[] {
    const out = this.sliceObjects;
    const str = this.strings;
    for (let i = out.length; i < this.nS; i++) {
      const args = this.keepArgs ? this.sArgs[i] : undefined;
      const track = str[this.sTrack[i]!]!;
      const name = str[this.sName[i]!]!;
      const start = this.sStart[i]!;
      const end = this.sEnd[i]!;
      out.push(args ? { track, name, start, end, args } : { track, name, start, end });
    }
    return out;
  }

  /**
   * The slices as the recorder holds them, without building an object per slice: slice i (in
   * recording order, i < n) is strings[track[i]], strings[name[i]], start[i]..end[i]. Read-only
   * views of its state.
   */
  sliceColumns(): { n: number; strings: readonly string[]; track: Uint32Array; name: Uint32Array; start: Float64Array; end: Float64Array } {
    return { n: this.nS, strings: this.strings, track: this.sTrack, name: this.sName, start: this.sStart, end: this.sEnd };
  }

  /** The counter samples as the recorder holds them (sample i < n: strings[track[i]], time[i], value[i]). Read-only views. */
  counterColumns(): { n: number; strings: readonly string[]; track: Uint32Array; time: Float64Array; value: Float64Array } {
    return { n: this.nC, strings: this.strings, track: this.cTrack, time: this.cTime, value: this.cValue };
  }

  /** The counter samples recorded, in recording order. */
  get counters(): RecordedCounter[] {
    const out = this.counterObjects;
    for (let i = out.length; i < this.nC; i++) out.push({ track: this.strings[this.cTrack[i]!]!, time: this.cTime[i]!, value: this.cValue[i]! });
    return out;
  }

  /** Events dropped because the cap was reached. */
  get dropped(): number {
    return this.seen - this.nS - this.nC;
  }

  /** Args are kept: if asked to, until the cap is reached. */
  detail(): boolean {
    return this.keepArgs && this.seen < this.maxEvents;
  }

  /** The table index of `s`, added on first sight. */
  private idOf(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  slice(track: string, name: string, start: number, end: number, args?: TraceArgs): void {
    if (end < this.start || start > this.end || this.seen++ >= this.maxEvents) return;
    const i = this.nS++;
    if (i === this.sStart.length) {
      this.sStart = grown(this.sStart);
      this.sEnd = grown(this.sEnd);
      this.sTrack = grown32(this.sTrack);
      this.sName = grown32(this.sName);
    }
    if (track !== this.lastTrack) {
      this.lastTrackId = this.idOf(track);
      this.lastTrack = track;
    }
    if (name !== this.lastName) {
      this.lastNameId = this.idOf(name);
      this.lastName = name;
    }
    this.sTrack[i] = this.lastTrackId;
    this.sName[i] = this.lastNameId;
    this.sStart[i] = start;
    this.sEnd[i] = end;
    if (this.keepArgs) this.sArgs[i] = args;
  }

  counter(track: string, time: number, value: number): void {
    if (time < this.start || time > this.end || this.seen++ >= this.maxEvents) return;
    const i = this.nC++;
    if (i === this.cTime.length) {
      this.cTime = grown(this.cTime);
      this.cValue = grown(this.cValue);
      this.cTrack = grown32(this.cTrack);
    }
    this.cTrack[i] = this.idOf(track);
    this.cTime[i] = time;
    this.cValue[i] = value;
  }
}

/** Caps up to this many events get their columns allocated whole (44 bytes an event of the cap: a slice's 24 and a counter's 20). */
const PREALLOCATE = 1 << 20;

function grown32(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(2 * a.length);
  b.set(a);
  return b;
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(2 * a.length);
  b.set(a);
  return b;
}
