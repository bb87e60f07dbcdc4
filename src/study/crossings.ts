/**
 * Where one sampled curve crosses another (or a level): the x values at which a - b changes sign,
 * linearly interpolated between grid points. "Policy B overtakes A at 4.6 rps" and "the gain falls
 * below 5% at 0.3 mask ratio" are both crossings.
 */
import { checkCurve } from './knee.js';

export interface Crossing {
  x: number;
  /** above: a goes from below b to above it as x grows; below: the reverse. */
  direction: 'above' | 'below';
}

/** Crossings of curve a over curve b (an array over the same xs) or over a constant level. */
export function crossings(xs: readonly number[], a: readonly number[], b: readonly number[] | number): Crossing[] {
  const bs = typeof b === 'number' ? xs.map(() => b) : b;
  checkCurve(xs, a, 'crossings');
  checkCurve(xs, bs, 'crossings');
  const out: Crossing[] = [];
  let prevI = -1;
  let prevD = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = a[i]! - bs[i]!;
    if (d === 0) continue;
    if (prevI >= 0 && Math.sign(d) !== Math.sign(prevD)) {
      // Zero crossing between the last nonzero point and this one (through any exact ties).
      const x = xs[prevI]! + (prevD / (prevD - d)) * (xs[i]! - xs[prevI]!);
      out.push({ x, direction: d > 0 ? 'above' : 'below' });
    }
    prevI = i;
    prevD = d;
  }
  return out;
}
