/**
 * Fitting cost models to timings. Pure functions (no device), so tests can check that each fit
 * recovers known parameters from synthetic samples.
 *
 *  - roofline: t = overhead + max(flops / F, bytes / B), F and B the *achieved* rates (peak times
 *    efficiency, fitted as one number each). Minimises squared relative error, since sizes span
 *    orders of magnitude: Nelder-Mead over (log F, log B) with the overhead solved in closed form.
 *  - piecewise: t linear between measured points in flops or bytes, after a monotone (isotonic)
 *    smoothing, since more work never takes less time on the same kernel.
 *  - link: t = latency + bytes / bandwidth by weighted least squares (weights 1 / t^2, less for
 *    noisy sizes), an isolated size far off the line set aside; up to three such lines split at
 *    knees by size (fitLink).
 *
 * Quality: r2 is the R^2 of log seconds over every sample with the final fit; holdout_error is the
 * mean |relative error| on held-out sizes (every fourth size, interior only) of a fit made
 * without them. The op fit kept is the one with the lower holdout error; a link's segment count is
 * chosen on all four such folds (cv_error).
 */
import { linkAt, type LinkFit, type LinkSegment, type OpFit } from '../../src/hardware/profile.js';
import { fitSeconds } from '../../src/cost/model.js';
import type { Op } from '../../src/cost/ops.js';

export interface FitSample {
  flops: number;
  bytes: number;
  seconds: number;
}

/** Minimise f over R^n from x0 (Nelder-Mead, standard coefficients). */
export function nelderMead(f: (x: number[]) => number, x0: number[], step = 0.5, iters = 400, tol = 1e-12): number[] {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))];
  let values = simplex.map(f);
  for (let it = 0; it < iters; it++) {
    const order = values.map((v, i) => i).sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    if (Math.abs(values[n]! - values[0]!) <= tol * (Math.abs(values[0]!) + tol)) break;
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p[j]!, 0) / n);
    const along = (c: number) => centroid.map((v, j) => v + c * (simplex[n]![j]! - v));
    const xr = along(-1);
    const fr = f(xr);
    if (fr < values[0]!) {
      const xe = along(-2);
      const fe = f(xe);
      [simplex[n], values[n]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < values[n - 1]!) {
      [simplex[n], values[n]] = [xr, fr];
    } else {
      const xc = fr < values[n]! ? along(-0.5) : along(0.5);
      const fc = f(xc);
      if (fc < Math.min(fr, values[n]!)) {
        [simplex[n], values[n]] = [xc, fc];
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = f(simplex[i]!);
        }
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return simplex[best]!;
}

function asOp(s: FitSample): Op {
  return { kind: 'gemm', flops: s.flops, bytes: s.bytes, dtype: 'fp32' };
}

/** Mean |relative error| of `fit` on `samples`. */
export function meanRelError(fit: OpFit, samples: FitSample[]): number {
  if (samples.length === 0) return NaN;
  return samples.reduce((s, x) => s + Math.abs(fitSeconds(fit, asOp(x)) - x.seconds) / x.seconds, 0) / samples.length;
}

/** R^2 of log seconds. */
export function logR2(predict: (s: FitSample) => number, samples: FitSample[]): number {
  const ys = samples.map((s) => Math.log(s.seconds));
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  let res = 0;
  let tot = 0;
  samples.forEach((s, i) => {
    res += (Math.log(Math.max(predict(s), 1e-30)) - ys[i]!) ** 2;
    tot += (ys[i]! - mean) ** 2;
  });
  return tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
}

export function fitRoofline(samples: FitSample[]): Extract<OpFit, { model: 'roofline' }> {
  if (samples.length < 2) throw new Error('roofline fit needs at least two samples');
  const overheadFor = (F: number, B: number): number => {
    let num = 0;
    let den = 0;
    for (const s of samples) {
      const g = Math.max(s.flops / F, s.bytes / B);
      num += (1 - g / s.seconds) / s.seconds;
      den += 1 / (s.seconds * s.seconds);
    }
    return Math.max(0, num / den);
  };
  const loss = ([lf, lb]: number[]): number => {
    const F = Math.exp(lf!);
    const B = Math.exp(lb!);
    const o = overheadFor(F, B);
    let l = 0;
    for (const s of samples) l += ((o + Math.max(s.flops / F, s.bytes / B)) / s.seconds - 1) ** 2;
    return l;
  };
  const F0 = Math.max(...samples.map((s) => s.flops / s.seconds));
  const B0 = Math.max(...samples.map((s) => s.bytes / s.seconds));
  let best: number[] = [Math.log(F0), Math.log(B0)];
  let bestLoss = loss(best);
  // Several starts: the loss has flat regions where one roof never binds.
  for (const [df, db] of [
    [0, 0],
    [0, 3],
    [3, 0],
    [1, 1],
    [-1, 2],
    [2, -1],
  ]) {
    const x = nelderMead(loss, [Math.log(F0) + df!, Math.log(B0) + db!], 0.7, 600);
    const l = loss(x);
    if (l < bestLoss) [best, bestLoss] = [x, l];
  }
  const refined = nelderMead(loss, best, 0.1, 600);
  if (loss(refined) < bestLoss) best = refined;
  const F = Math.exp(best[0]!);
  const B = Math.exp(best[1]!);
  return { model: 'roofline', flops_per_s: F, bytes_per_s: B, overhead_s: overheadFor(F, B) };
}

/** Pool-adjacent-violators: the non-decreasing sequence closest to ys in weighted least squares. */
export function isotonic(ys: number[], ws: number[] = ys.map(() => 1)): number[] {
  const blocks: Array<{ v: number; w: number; n: number }> = [];
  ys.forEach((y, i) => {
    blocks.push({ v: y, w: ws[i]!, n: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.v > blocks[blocks.length - 1]!.v) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1]!;
      a.v = (a.v * a.w + b.v * b.w) / (a.w + b.w);
      a.w += b.w;
      a.n += b.n;
    }
  });
  return blocks.flatMap((b) => Array<number>(b.n).fill(b.v));
}

export function fitPiecewise(samples: FitSample[], x: 'flops' | 'bytes'): Extract<OpFit, { model: 'piecewise' }> {
  const byX = new Map<number, number[]>();
  for (const s of samples) {
    const k = s[x];
    byX.set(k, [...(byX.get(k) ?? []), s.seconds]);
  }
  const xs = [...byX.keys()].sort((a, b) => a - b);
  if (xs.length < 2) throw new Error(`piecewise fit needs two distinct ${x} values`);
  const ys = xs.map((k) => {
    const v = byX.get(k)!;
    return v.reduce((a, b) => a + b, 0) / v.length;
  });
  // Relative weights (1 / y^2) so small sizes are not flattened by large ones.
  const smooth = isotonic(
    ys,
    ys.map((y, i) => byX.get(xs[i]!)!.length / (y * y)),
  );
  return { model: 'piecewise', x, points: xs.map((k, i) => [k, smooth[i]!] as [number, number]) };
}

/** Samples held out: every fourth by size (the `fold`-th of each four), never the smallest or largest. */
export function holdoutSplit<T extends FitSample>(samples: T[], fold = 2): { train: T[]; test: T[] } {
  const sorted = [...samples].sort((a, b) => a.flops + a.bytes - (b.flops + b.bytes));
  const train: T[] = [];
  const test: T[] = [];
  sorted.forEach((s, i) => (i > 0 && i < sorted.length - 1 && i % 4 === fold ? test : train).push(s));
  return { train, test };
}

export interface OpFitReport {
  fit: OpFit;
  /** Holdout error of each candidate model (for the report). */
  candidates: Record<string, number>;
  r2_linear: number;
}

/** Fit each candidate on the training split, keep the one with the lowest holdout error, refit on all. */
export function fitOp(samples: FitSample[]): OpFitReport {
  if (samples.length < 2) throw new Error('an op fit needs at least two samples');
  const { train, test } = holdoutSplit(samples);
  const makers: Record<string, (xs: FitSample[]) => OpFit> = {
    roofline: fitRoofline,
    piecewise_flops: (xs) => fitPiecewise(xs, 'flops'),
    piecewise_bytes: (xs) => fitPiecewise(xs, 'bytes'),
  };
  const candidates: Record<string, number> = {};
  let bestName = 'roofline';
  let bestErr = Infinity;
  for (const [name, make] of Object.entries(makers)) {
    let err: number;
    try {
      err = test.length > 0 && train.length >= 2 ? meanRelError(make(train), test) : meanRelError(make(samples), samples);
    } catch {
      continue;
    }
    candidates[name] = err;
    // Prefer the roofline unless a curve is clearly better: its parameters mean something.
    const margin = name === 'roofline' ? 1 : 0.9;
    if (err < bestErr * margin || (bestErr === Infinity && Number.isFinite(err))) [bestName, bestErr] = [name, err];
  }
  const fit = makers[bestName]!(samples);
  const predict = (s: FitSample) => fitSeconds(fit, asOp(s));
  fit.r2 = logR2(predict, samples);
  fit.holdout_error = bestErr;
  const ys = samples.map((s) => s.seconds);
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  const tot = ys.reduce((a, y) => a + (y - mean) ** 2, 0);
  const res = samples.reduce((a, s) => a + (predict(s) - s.seconds) ** 2, 0);
  return { fit, candidates, r2_linear: tot === 0 ? 1 : 1 - res / tot };
}

export interface LinkSample {
  bytes: number;
  seconds: number;
  /** The repeats' (p90 - p10) / median, `seconds` being their median (TransferSample.spread): a noisier size weighs less. */
  spread?: number;
}

type Line = { bandwidth: number; latency_s: number };

/** Fewest distinct sizes on each side of a knee (and under any line): a line through two points says nothing. */
const MIN_SIZES_PER_SEGMENT = 3;

/** One size's terms of a weighted least-squares line fit (weights w / t^2: relative error). */
type LineSums = [sw: number, sx: number, sy: number, sxx: number, sxy: number];

function lineSums({ bytes: x, seconds: y }: LinkSample, weight: number): LineSums {
  const w = weight / (y * y);
  return [w, w * x, w * y, w * x * x, w * x * y];
}

/** t = latency + bytes * slope from the sums; `big` is the largest size in them (for flat timings). */
function solveLine([sw, sx, sy, sxx, sxy]: LineSums, big: LinkSample): Line {
  const det = sw * sxx - sx * sx;
  let slope = det > 0 ? (sw * sxy - sx * sy) / det : 0;
  let lat = (sy - slope * sx) / sw;
  if (lat < 0) {
    lat = 0;
    slope = sxy / sxx;
  }
  // Flat timings (all latency): bandwidth from the largest transfer, a lower bound.
  if (!(slope > 0)) slope = big.seconds / big.bytes;
  return { bandwidth: 1 / slope, latency_s: lat };
}

/**
 * Spread below which a size's median counts as exact: the line's own misfit and five repeats'
 * sampling noise are of this order, so sizes this quiet weigh the same.
 */
const SPREAD_FLOOR = 0.1;
/** Smallest residual scale (relative): on exact data every residual is ~0, and a size 4% off is still off. */
const SCALE_FLOOR = 0.01;
/** Robust scales (1.4826 x median |relative residual|) a size must lie off the others' line to be set aside. */
const OUTLIER_SCALES = 4;

/**
 * t = latency + bytes / bandwidth on relative error, robust to a bad size: each size weighs
 * 1 / (floor^2 + spread^2) (a median's inverse variance), and sizes lying far off the line the
 * others fit (deleted residuals) are set aside one at a time, worst first. Only isolated sizes: two
 * neighbours both off the line are a regime (a knee's business), not noise; at most a quarter, and
 * at least MIN_SIZES_PER_SEGMENT kept. Exact data set nothing aside: plain weighted least squares.
 */
export function fitLinkLine(samples: LinkSample[]): Line {
  if (samples.length < 2) throw new Error('a link fit needs at least two sizes');
  const byBytes = [...samples].sort((a, b) => a.bytes - b.bytes);
  const n = byBytes.length;
  const parts = byBytes.map((s) => lineSums(s, 1 / (SPREAD_FLOOR ** 2 + (s.spread ?? 0) ** 2)));
  const aside = new Array<boolean>(n).fill(false);
  const kept = new Array<number>(n);
  /** The line without the sizes set aside and without `j` (-1: none more). */
  const fitWithout = (j: number): Line => {
    const sums: LineSums = [0, 0, 0, 0, 0];
    let big = -1;
    for (let i = 0; i < n; i++) {
      if (aside[i] || i === j) continue;
      for (let k = 0; k < 5; k++) sums[k]! += parts[i]![k]!;
      big = i;
    }
    return solveLine(sums, byBytes[big]!);
  };
  const rel = (f: Line, i: number) => Math.abs(linePrice(f, byBytes[i]!.bytes) / byBytes[i]!.seconds - 1);
  const maxAside = Math.min(n - MIN_SIZES_PER_SEGMENT, Math.floor(n / 4));
  for (let count = 0; count < maxAside; count++) {
    let worst = { i: -1, z: OUTLIER_SCALES };
    for (let j = 0; j < n; j++) {
      if (aside[j] || aside[j - 1] || aside[j + 1]) continue;
      const f = fitWithout(j);
      let m = 0;
      for (let i = 0; i < n; i++) if (!aside[i] && i !== j) kept[m++] = rel(f, i);
      const others = kept.slice(0, m).sort((x, y) => x - y);
      const z = rel(f, j) / Math.max(SCALE_FLOOR, 1.4826 * others[(m - 1) >> 1]!);
      if (z > worst.z) worst = { i: j, z };
    }
    if (worst.i < 0) break;
    aside[worst.i] = true;
  }
  return fitWithout(-1);
}

const linePrice = (f: Line, bytes: number) => f.latency_s + bytes / f.bandwidth;
/** A segmented link's price (linkAt reads only the segments when there are some). */
const segmentsPrice = (segments: LinkSegment[]) => (bytes: number) => linePrice(linkAt({ bandwidth: 1, latency_s: 0, segments }, bytes), bytes);
const linkRelError = (price: (bytes: number) => number, s: LinkSample[]) => s.reduce((a, x) => a + Math.abs(price(x.bytes) - x.seconds) / x.seconds, 0) / s.length;

/**
 * Most segments a link fit tries. Three, because a CPU-side copy (lavapipe) has three regimes:
 * sizes the caches hold, sizes the last-level cache holds, and DRAM-bound ones; two lines put the
 * last two on one average and misprice both (validate/README.md, Link fits).
 */
const MAX_LINK_SEGMENTS = 3;

/** Held-out error (mean relative, see holdoutGain) one more segment must save to be kept: exact data ties at ~1e-16. */
const SEGMENT_GAIN = 1e-3;
/**
 * Standard errors of that saving it must also exceed: on noisy timings a knee anywhere saves a
 * little by chance (+-6% jitter on a clean line: a knee in 3 of 60 draws under the 0.1% margin
 * alone, none with this one; at 10% jitter a true knee is still found in 60 of 60).
 */
const GAIN_ERRORS = 2;

/**
 * Sizes next to a knee, on each side, that their own segment must price at least as well as the
 * segment across the knee: a knee one size alone asks for (a dip between neighbours that agree
 * with each other) is no knee.
 */
const KNEE_SUPPORT = 2;

/**
 * `count` lines split at knees between sampled sizes (small copies can ride a staging buffer or
 * the caches, large ones cannot), the split with the lowest training error among those whose
 * knees have KNEE_SUPPORT sizes each side; undefined when no split qualifies.
 */
export function fitLinkSegments(samples: LinkSample[], count = 2): LinkSegment[] | undefined {
  const sizes = [...new Set(samples.map((s) => s.bytes))].sort((a, b) => a - b);
  const at = new Map<number, LinkSample[]>();
  for (const s of samples) at.set(s.bytes, [...(at.get(s.bytes) ?? []), s]);
  const errAt = (f: Line, bytes: number) => linkRelError((b) => linePrice(f, b), at.get(bytes)!);
  let best: { err: number; segs: LinkSegment[] } | undefined;
  // Knee indices into `sizes`, each segment keeping at least MIN_SIZES_PER_SEGMENT sizes.
  const tryKnees = (knees: number[]) => {
    if (knees.length === count - 1) {
      const bounds = [0, ...knees.map((i) => sizes[i]!), Infinity];
      const segs = bounds.slice(0, -1).map((from, k) => ({
        from_bytes: from,
        ...fitLinkLine(samples.filter((s) => s.bytes >= from && s.bytes < bounds[k + 1]!)),
      }));
      const supported = knees.every((knee, k) => {
        for (let d = 1; d <= KNEE_SUPPORT; d++) {
          const below = sizes[knee - d]!;
          const above = sizes[knee + d - 1]!;
          // Ties pass: identical lines either side (one straight line) price every size alike.
          if (errAt(segs[k]!, below) > errAt(segs[k + 1]!, below) + 1e-12) return false;
          if (errAt(segs[k + 1]!, above) > errAt(segs[k]!, above) + 1e-12) return false;
        }
        return true;
      });
      if (!supported) return;
      const err = linkRelError(segmentsPrice(segs), samples);
      if (!best || err < best.err) best = { err, segs };
      return;
    }
    const first = (knees.length ? knees[knees.length - 1]! : 0) + MIN_SIZES_PER_SEGMENT;
    const left = count - 1 - knees.length; // knees still to place, this one included
    for (let i = first; i <= sizes.length - MIN_SIZES_PER_SEGMENT * left; i++) tryKnees([...knees, i]);
  };
  tryKnees([]);
  return best?.segs;
}

/**
 * How much better `errs` price the held-out sizes than `base` (mean relative error saved), with
 * the size that gains most left out: one bad held-out size must not buy a knee on its own.
 */
export function holdoutGain(base: number[], errs: number[]): number {
  const gains = base.map((e, i) => e - errs[i]!).sort((a, b) => a - b);
  if (gains.length < 2) return gains.reduce((a, b) => a + b, 0);
  return gains.slice(0, -1).reduce((a, b) => a + b, 0) / (gains.length - 1);
}

/** Standard error of holdoutGain (the per-size savings' spread, the same size left out). */
export function holdoutGainError(base: number[], errs: number[]): number {
  const gains = base.map((e, i) => e - errs[i]!).sort((a, b) => a - b).slice(0, -1);
  if (gains.length < 2) return 0;
  const m = gains.reduce((a, b) => a + b, 0) / gains.length;
  return Math.sqrt(gains.reduce((a, g) => a + (g - m) ** 2, 0) / (gains.length - 1) / gains.length);
}

/** The folds a link's segment count is chosen on: every interior size held out once (see holdoutSplit). */
const LINK_FOLDS = [0, 1, 2, 3];
/** The fold whose error is reported as holdout_error: the split the op fits use. */
const REPORTED_FOLD = 2;

/**
 * A link's fit: one line, or 2..MAX_LINK_SEGMENTS segments when they predict held-out sizes better,
 * per extra segment by SEGMENT_GAIN and by GAIN_ERRORS standard errors, even without the held-out
 * size they gain most on (holdoutGain).
 * The choice holds out every interior size once (four folds, each fitted without its fourth of the
 * sizes), not one fold: one fold's seven sizes can all fall on a regime's fast or slow ones. The
 * top-level bandwidth and latency are the largest sizes' segment.
 */
export function fitLink(samples: LinkSample[]): LinkFit {
  const asFit = (s: LinkSample[]): FitSample[] => s.map((x) => ({ flops: 0, bytes: x.bytes, seconds: x.seconds }));
  const folds = LINK_FOLDS.map((fold) => ({ fold, ...holdoutSplit(samples.map((s) => ({ ...s, flops: 0 })), fold) })).filter((f) => f.test.length > 0);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  /** Held-out relative errors of `count` segments (1: the line), fold by fold; undefined where a fold's sizes admit no such fit. */
  const heldOut = (count: number): number[][] | undefined => {
    const out: number[][] = [];
    for (const { train, test } of folds) {
      if (train.length < 2) return undefined;
      const segs = count === 1 ? [{ from_bytes: 0, ...fitLinkLine(train) }] : fitLinkSegments(train, count);
      if (!segs) return undefined;
      const price = segmentsPrice(segs);
      out.push(test.map((x) => Math.abs(price(x.bytes) - x.seconds) / x.seconds));
    }
    return out.length ? out : undefined;
  };
  const line = heldOut(1);
  let best = { count: 1, errs: line };
  for (let count = 2; line && count <= MAX_LINK_SEGMENTS; count++) {
    const errs = heldOut(count);
    if (!errs) continue;
    const [was, now] = [best.errs!.flat(), errs.flat()];
    if (holdoutGain(was, now) > Math.max(SEGMENT_GAIN, GAIN_ERRORS * holdoutGainError(was, now))) best = { count, errs };
  }
  const at = folds.findIndex((f) => f.fold === REPORTED_FOLD);
  // holdout_error: the reported fold's (as the op fits report); cv_error: all folds', what chose the count.
  const oneFold = (errs: number[][] | undefined) => (errs && at >= 0 ? mean(errs[at]!) : undefined);
  const allFolds = (errs: number[][] | undefined) => (errs ? mean(errs.flat()) : undefined);
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const segAll = best.count > 1 ? fitLinkSegments(samples, best.count) : undefined;
  if (segAll) {
    const top = segAll[segAll.length - 1]!;
    const fit: LinkFit = { bandwidth: top.bandwidth, latency_s: top.latency_s, segments: segAll };
    const r2 = logR2((s) => linePrice(linkAt(fit, s.bytes), s.bytes), asFit(samples));
    const errs = { holdout_error: oneFold(best.errs), line_holdout_error: oneFold(line), cv_error: allFolds(best.errs), line_cv_error: allFolds(line) };
    return { ...fit, r2, ...defined(errs) };
  }
  const f = fitLinkLine(samples);
  const r2 = logR2((s) => linePrice(f, s.bytes), asFit(samples));
  return { ...f, r2, ...defined({ holdout_error: oneFold(line), cv_error: allFolds(line) }) };
}

/**
 * Overlap factor from three timings: copy alone, compute alone, both issued together.
 * 1 = the shorter one hides completely, 0 = they serialise.
 */
export function overlapFactor(copyS: number, computeS: number, bothS: number): number {
  const hidden = copyS + computeS - bothS;
  return Math.min(1, Math.max(0, hidden / Math.min(copyS, computeS)));
}
