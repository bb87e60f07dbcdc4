/**
 * Timestamps in public traces: `2023-11-16 18:15:46.6805900` (Azure, 7 fractional digits, more
 * than Date parses), ISO strings, or plain numbers. Kept as whole seconds + fraction so that
 * differences between epoch times keep microsecond precision.
 */
export interface Stamp {
  /** Whole seconds since the epoch (or since the trace's zero for plain numbers). */
  sec: number;
  /** Fraction of a second, [0, 1). */
  frac: number;
}

export type TimeUnit = 's' | 'ms' | 'us';
const UNIT: Record<TimeUnit, number> = { s: 1, ms: 1e3, us: 1e6 };

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parse a timestamp; undefined when it is not one. Datetimes without a zone are read as UTC. */
export function parseStamp(text: string | number, unit: TimeUnit = 's'): Stamp | undefined {
  if (typeof text === 'number' || /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text.trim())) {
    const v = Number(text) / UNIT[unit];
    if (!Number.isFinite(v)) return undefined;
    const sec = Math.floor(v);
    return { sec, frac: v - sec };
  }
  const m = DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, f, zone] = m;
  let sec = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000;
  if (!Number.isFinite(sec) || +mo! > 12 || +d! > 31 || +h! > 23 || +mi! > 59 || +s! > 60) return undefined;
  if (zone && zone !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    sec -= (zm[1] === '-' ? -1 : 1) * (+zm[2]! * 3600 + +zm[3]! * 60);
  }
  return { sec, frac: f ? Number(`0.${f}`) : 0 };
}

/** b - a in seconds, rounded to the microsecond. */
export function secondsBetween(a: Stamp, b: Stamp): number {
  return Math.round(((b.sec - a.sec) + (b.frac - a.frac)) * 1e6) / 1e6;
}

/**
 * Arrival times relative to the earliest stamp, in stamp order (stable), optionally rescaled so the
 * mean rate is `rps`. Returns the permutation too, so callers can reorder their rows.
 */
export function relativeArrivals(stamps: readonly Stamp[], rps?: number): { order: number[]; arrivals: number[] } {
  const order = stamps.map((_, i) => i).sort((i, j) => stamps[i]!.sec - stamps[j]!.sec || stamps[i]!.frac - stamps[j]!.frac || i - j);
  if (order.length === 0) return { order, arrivals: [] };
  const t0 = stamps[order[0]!]!;
  let arrivals = order.map((i) => secondsBetween(t0, stamps[i]!));
  if (rps !== undefined && arrivals.length > 1) {
    const span = arrivals[arrivals.length - 1]!;
    if (span > 0) {
      const factor = (arrivals.length - 1) / span / rps;
      arrivals = arrivals.map((t) => Math.round(t * factor * 1e6) / 1e6);
    }
  }
  return { order, arrivals };
}
