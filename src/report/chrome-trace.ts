/**
 * Chrome trace-event export (opens in Perfetto and chrome://tracing): one process per resource
 * group (the track name up to its first '/', '.' or space, e.g. `gpu0`), one thread per track, a complete
 * ('X') event per slice with its args, and counter ('C') events for memory and queue lengths.
 * Timestamps are microseconds, as the format requires. The file says which window it covers and
 * how many events the cap dropped, so a truncated timeline is never mistaken for a complete one.
 */
import type { RecordedCounter, RecordedSlice } from '../metrics/recorders.js';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'C' | 'M';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number>;
}

export interface TimelineSource {
  slices: readonly RecordedSlice[];
  counters: readonly RecordedCounter[];
  start: number;
  end: number;
  maxEvents: number;
  dropped: number;
  /** Every event before this time is in the file (a capped timeline is a complete prefix). */
  completeUntil?: number;
}

const US = 1e6;

/** The resource a track belongs to: its name up to the first '/', '.' or space (`gpu0 pcie` -> `gpu0`). */
export function groupOf(track: string): string {
  const m = /^[^./ ]+/.exec(track);
  return m ? m[0] : track;
}

export function toChromeTrace(src: TimelineSource, meta: Record<string, string | number> = {}): ChromeTrace {
  const pids = new Map<string, number>();
  const tids = new Map<string, number>();
  const events: TraceEvent[] = [];
  const ids = (track: string): { pid: number; tid: number } => {
    const group = groupOf(track);
    let pid = pids.get(group);
    if (pid === undefined) {
      pid = pids.size + 1;
      pids.set(group, pid);
      events.push({ name: 'process_name', ph: 'M', pid, args: { name: group } });
    }
    let tid = tids.get(track);
    if (tid === undefined) {
      tid = tids.size + 1;
      tids.set(track, tid);
      events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: track } });
    }
    return { pid, tid };
  };
  // Sorted by start time (then track) so the file is deterministic and streams in order.
  const slices = [...src.slices].sort((a, b) => a.start - b.start || (a.track < b.track ? -1 : a.track > b.track ? 1 : 0));
  for (const s of slices) {
    const { pid, tid } = ids(s.track);
    events.push({ name: s.name, ph: 'X', pid, tid, ts: round(s.start * US), dur: round((s.end - s.start) * US), cat: groupOf(s.track), ...(s.args ? { args: { ...s.args } } : {}) });
  }
  const counters = [...src.counters].sort((a, b) => a.time - b.time);
  for (const c of counters) {
    const { pid } = ids(c.track);
    events.push({ name: c.track, ph: 'C', pid, ts: round(c.time * US), args: { value: c.value } });
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: {
      generator: 'servesim',
      window_start_s: src.start,
      window_end_s: Number.isFinite(src.end) ? src.end : 'end of run',
      max_events: src.maxEvents,
      dropped_events: src.dropped,
      ...(src.completeUntil !== undefined ? { complete_until_s: Number.isFinite(src.completeUntil) ? src.completeUntil : 'end of run' } : {}),
      ...meta,
    },
  };
}

/** Microseconds rounded to nanosecond precision, so float noise does not leak into files. */
function round(us: number): number {
  return Math.round(us * 1000) / 1000;
}

/** Check the structural rules of the trace-event format; returns the problems found. */
export function validateChromeTrace(t: unknown): string[] {
  const problems: string[] = [];
  const obj = t as Partial<ChromeTrace>;
  if (!obj || !Array.isArray(obj.traceEvents)) return ['traceEvents must be an array'];
  obj.traceEvents.forEach((e, i) => {
    const at = `traceEvents[${i}]`;
    if (typeof e.name !== 'string') problems.push(`${at}.name must be a string`);
    if (!['X', 'C', 'M', 'B', 'E', 'i', 'I'].includes(e.ph)) problems.push(`${at}.ph '${e.ph}' is not a known phase`);
    if (!Number.isInteger(e.pid)) problems.push(`${at}.pid must be an integer`);
    if (e.ph === 'X') {
      if (!(typeof e.ts === 'number' && e.ts >= 0)) problems.push(`${at}.ts must be a non-negative number of microseconds`);
      if (!(typeof e.dur === 'number' && e.dur >= 0)) problems.push(`${at}.dur must be a non-negative number of microseconds`);
      if (!Number.isInteger(e.tid)) problems.push(`${at}.tid must be an integer`);
    }
    if (e.ph === 'C') {
      if (typeof e.ts !== 'number') problems.push(`${at}.ts must be a number`);
      const args = e.args ?? {};
      if (Object.values(args).some((v) => typeof v !== 'number')) problems.push(`${at}.args values of a counter must be numbers`);
    }
    if (e.ph === 'M' && typeof (e.args as { name?: unknown } | undefined)?.name !== 'string') problems.push(`${at}.args.name must be a string`);
  });
  return problems;
}
