/**
 * A synthetic next-layer predictor of a given accuracy: each true expert is predicted correctly
 * with probability `accuracy`, otherwise a wrong expert (uniform over the others not yet guessed)
 * stands in for it. So precision = recall = accuracy in expectation, the figure papers on gate
 * prediction quote.
 */
import type { Rng } from '../../engine/rng.js';

export function synthPrediction(actual: readonly number[], experts: number, accuracy: number, rng: Rng): number[] {
  const out: number[] = [];
  let wrong = 0;
  for (let i = 0; i < actual.length; i++) {
    if (rng.uniform() < accuracy) out.push(actual[i]!);
    else wrong++;
  }
  // Wrong guesses: uniform over experts neither routed to nor already guessed (by rejection).
  let free = experts - actual.length;
  for (; wrong > 0 && free > 0; wrong--, free--) {
    let e: number;
    do e = rng.int(experts);
    while (actual.includes(e) || out.includes(e));
    out.push(e);
  }
  return out;
}
