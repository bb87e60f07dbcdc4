/** Pair counts behind a Kendall tau: how two orderings of the same items agree, pair by pair. */
export interface KendallPairs {
  /** Kendall's tau-b (NaN when either list orders no pair, or there are fewer than two items). */
  tau: number;
  concordant: number;
  discordant: number;
  /** Pairs tied in `a` only / in `b` only (tied in both count in neither). */
  tiesA: number;
  tiesB: number;
  pairs: number;
}

/**
 * Kendall's tau-b between two orderings of the same items (Kendall 1945: ties in either list
 * shrink the denominator, so a list with ties can still reach 1 against itself). 1 = same order,
 * -1 = reversed, NaN when either list is constant or there are fewer than two items.
 * `tiedB(i, j)` declares more pairs of `b` tied than exact equality does: a measurement whose
 * difference is within its own repeat spread does not order the pair, so it is a tie, not a
 * disagreement. `include(i, j)` restricts the pairs counted (e.g. to items measured on the same
 * machine: a stratified tau-b over the pairs of each stratum, pooled).
 */
export function kendallPairs(a: readonly number[], b: readonly number[], tiedB?: (i: number, j: number) => boolean, include?: (i: number, j: number) => boolean): KendallPairs {
  if (a.length !== b.length) throw new Error(`kendallTau: lists of ${a.length} and ${b.length} items`);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  let pairs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      if (include && !include(i, j)) continue;
      pairs++;
      const da = Math.sign(a[i]! - a[j]!);
      const db = tiedB?.(i, j) ? 0 : Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return { tau: denom > 0 ? (concordant - discordant) / denom : NaN, concordant, discordant, tiesA, tiesB, pairs };
}

export function kendallTau(a: readonly number[], b: readonly number[]): number {
  return kendallPairs(a, b).tau;
}
