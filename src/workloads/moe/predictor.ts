/**
 * A synthetic next-layer predictor of a given accuracy: each true expert is predicted correctly
 * with probability `accuracy`, otherwise a wrong expert (uniform over the others not yet guessed)
 * stands in for it. So precision = recall = accuracy in expectation, the figure papers on gate
 * prediction quote.
 */
import type { Rng } from '../../engine/rng.js';

export function synthPrediction(actual: readonly number[], experts: number, accuracy: number, rng: Rng): number[] {
  const out: number[] = [];
  const wrongs: number[] = [];
  for (const e of actual) {
    if (rng.uniform() < accuracy) out.push(e);
    else wrongs.push(e);
  }
  for (let i = 0; i < wrongs.length; i++) {
    const free = experts - actual.length - (out.length - (actual.length - wrongs.length));
    if (free <= 0) break; // every expert is already in the set: nothing wrong left to guess
    let j = rng.int(free);
    for (let e = 0; e < experts; e++) {
      if (actual.includes(e) || out.includes(e)) continue;
      if (j-- === 0) {
        out.push(e);
        break;
      }
    }
  }
  return out;
}
