/**
 * The knee of a sampled curve, Kneedle-style (Satopaa et al., ICDCS-W 2011): scale x and y to
 * [0, 1] along the chord from the first to the last point, and take the point furthest from that
 * chord. A curve above its chord has diminishing returns: the knee is where most of the gain has
 * been had. A curve below it accelerates: the knee is where the steep part starts. On a sweep
 * grid the knee is one of the sampled points, so its precision is the grid's.
 */
import { InputError } from '../errors.js';

export interface Knee {
  index: number;
  x: number;
  y: number;
  /** diminishing: the curve bends above its chord; accelerating: below it. */
  shape: 'diminishing' | 'accelerating';
  /** Distance from the chord in the scaled units (0..1); how pronounced the bend is. */
  bend: number;
}

export interface KneeOptions {
  /** Bends smaller than this (scaled units) count as a straight line: no knee. __Default value:__ 0.1 */
  minBend?: number;
}

/** The knee of (xs, ys), xs strictly increasing; undefined for a flat, straight or too short curve. */
export function knee(xs: readonly number[], ys: readonly number[], opts: KneeOptions = {}): Knee | undefined {
  checkCurve(xs, ys, 'knee');
  const n = xs.length;
  if (n < 3) return undefined;
  const x0 = xs[0]!;
  const y0 = ys[0]!;
  const dx = xs[n - 1]! - x0;
  const dy = ys[n - 1]! - y0;
  if (dy === 0 || !Number.isFinite(dy)) return undefined;
  let best = -1;
  let bestD = 0;
  for (let i = 1; i < n - 1; i++) {
    // Height above the chord, with y oriented so the curve rises from 0 to 1.
    const d = (ys[i]! - y0) / dy - (xs[i]! - x0) / dx;
    if (Math.abs(d) > Math.abs(bestD)) {
      bestD = d;
      best = i;
    }
  }
  if (best < 0 || Math.abs(bestD) < (opts.minBend ?? 0.1)) return undefined;
  return { index: best, x: xs[best]!, y: ys[best]!, shape: bestD > 0 ? 'diminishing' : 'accelerating', bend: Math.abs(bestD) };
}

/** Smallest x at which the piecewise-linear curve first reaches `target` (interpolated); undefined if never. */
export function reach(xs: readonly number[], ys: readonly number[], target: number): number | undefined {
  checkCurve(xs, ys, 'reach');
  if (ys[0]! >= target) return xs[0];
  for (let i = 1; i < xs.length; i++) {
    const a = ys[i - 1]!;
    const b = ys[i]!;
    if (b >= target) return xs[i - 1]! + ((target - a) / (b - a)) * (xs[i]! - xs[i - 1]!);
  }
  return undefined;
}

export function checkCurve(xs: readonly number[], ys: readonly number[], what: string): void {
  if (xs.length !== ys.length) throw new InputError(`${what}: ${xs.length} x values but ${ys.length} y values`);
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) throw new InputError(`${what}: point ${i} is (${xs[i]}, ${ys[i]}); expected finite numbers`);
    if (i > 0 && !(xs[i]! > xs[i - 1]!)) throw new InputError(`${what}: x values must increase strictly (x[${i - 1}] = ${xs[i - 1]}, x[${i}] = ${xs[i]})`);
  }
}
