/**
 * One denoising step as two streams over k blocks. Block b either loads its cache (l[b] on the
 * copy stream) and computes the masked tokens (c[b]), or recomputes every token (f[b], no load).
 *
 *  - serial (sequential loading): T = sum over blocks of (load ? l + c : f);
 *  - overlapped (copy stream runs ahead): the max-plus recurrence
 *        L_b = L_{b-1} + l_b,   C_b = max(C_{b-1}, L_b) + c_b     (load)
 *        L_b = L_{b-1},         C_b = C_{b-1} + f_b               (recompute)
 *    with L_0 = C_0 = 0 (a step's loads start with the step) and T = C_k.
 *
 * planPipeline() chooses the decisions minimising T by dynamic programming over blocks. The state
 * after block b is the pair (L_b, C_b); the final time is non-decreasing in both, so only the
 * Pareto frontier (no other state with smaller-or-equal L and C) can lead to an optimum. The
 * frontier is exact (a guard thins it beyond MAX_FRONTIER states, far above what models need).
 *
 * planRuns() is the same DP over runs of identical blocks, which is what the simulator uses. For
 * two adjacent identical blocks, recompute-then-load ends in the same L as load-then-recompute
 * and a C no larger (max(C+f, L+l) + c <= max(C, L+l) + c + f), so some optimum recomputes a
 * prefix of every run: a run of n blocks has n + 1 choices, and m loaded blocks from (L, C) end at
 *     L' = L + m l,   C' = max(C + m c, L + l + c + (m - 1) max(l, c))      (m >= 1).
 * A model has a handful of runs (SDXL: 3), so planning costs microseconds instead of milliseconds.
 */

export interface StepTimes {
  /** Step duration (first block start to last block end), seconds. */
  time: number;
  /** Seconds the compute stream is busy. */
  compute: number;
  /** Seconds the copy stream is busy. */
  load: number;
}

/** Evaluate a step for given decisions (1 = load, 0 = recompute). */
export function stepTimes(l: ArrayLike<number>, c: ArrayLike<number>, f: ArrayLike<number>, d: ArrayLike<number>, overlapped: boolean, out: StepTimes): StepTimes {
  const k = d.length;
  let L = 0;
  let C = 0;
  let compute = 0;
  for (let b = 0; b < k; b++) {
    if (d[b]) {
      L += l[b]!;
      compute += c[b]!;
      C = overlapped ? (C > L ? C : L) + c[b]! : C + l[b]! + c[b]!;
    } else {
      compute += f[b]!;
      C += f[b]!;
    }
  }
  out.time = C;
  out.compute = compute;
  out.load = L;
  return out;
}

/** Frontier states kept per block before thinning (a guard; real models stay far below). */
const MAX_FRONTIER = 4096;

/** Working arrays shared by calls (planPipeline is synchronous and not re-entrant). */
const SCRATCH = 2 * MAX_FRONTIER + 2;
const scratch = {
  f: [new Float64Array(SCRATCH), new Float64Array(SCRATCH), new Float64Array(SCRATCH), new Float64Array(SCRATCH)] as const,
  parent: new Int32Array(SCRATCH),
  dec: new Uint8Array(SCRATCH),
};

/**
 * Optimal load/recompute decisions for the overlapped schedule; fills `out` and returns T.
 * The frontier is kept sorted by L ascending (so C strictly descending). Both successor lists
 * (load: L + l_b; recompute: L) are then sorted by L too, so one merge yields the next frontier.
 * Among equal-time schedules the one moving the fewest bytes wins (the frontier keeps the smaller L).
 */
export function planPipeline(l: ArrayLike<number>, c: ArrayLike<number>, f: ArrayLike<number>, out: Uint8Array): number {
  const k = out.length;
  if (k === 0) return 0;
  let [FL, FC, NL, NC] = scratch.f;
  const parents: Int32Array[] = [];
  const decs: Uint8Array[] = [];
  FL[0] = 0;
  FC[0] = 0;
  let n = 1;
  const np = scratch.parent;
  const nd = scratch.dec;
  for (let b = 0; b < k; b++) {
    const lb = l[b]!;
    const cb = c[b]!;
    const fb = f[b]!;
    let i = 0; // next load successor (of state i)
    let j = 0; // next recompute successor (of state j)
    let m = 0;
    let bestC = Infinity;
    while (i < n || j < n) {
      let takeLoad: boolean;
      const aL = i < n ? FL[i]! + lb : Infinity;
      const aC = i < n ? (FC[i]! > aL ? FC[i]! : aL) + cb : Infinity;
      const rL = j < n ? FL[j]! : Infinity;
      const rC = j < n ? FC[j]! + fb : Infinity;
      if (aL !== rL) takeLoad = aL < rL;
      else takeLoad = aC <= rC;
      const L = takeLoad ? aL : rL;
      const C = takeLoad ? aC : rC;
      const parent = takeLoad ? i++ : j++;
      if (C < bestC) {
        bestC = C;
        NL[m] = L;
        NC[m] = C;
        np[m] = parent;
        nd[m] = takeLoad ? 1 : 0;
        m++;
      }
    }
    let keep: Int32Array | null = null;
    if (m > MAX_FRONTIER) {
      // Thin evenly, keeping both ends (the cheapest-load and the fastest-compute states).
      keep = new Int32Array(MAX_FRONTIER);
      for (let q = 0; q < MAX_FRONTIER; q++) keep[q] = Math.round((q * (m - 1)) / (MAX_FRONTIER - 1));
      for (let q = 0; q < MAX_FRONTIER; q++) {
        const src = keep[q]!;
        NL[q] = NL[src]!;
        NC[q] = NC[src]!;
        np[q] = np[src]!;
        nd[q] = nd[src]!;
      }
      m = MAX_FRONTIER;
    }
    parents.push(np.slice(0, m));
    decs.push(nd.slice(0, m));
    [FL, NL] = [NL, FL];
    [FC, NC] = [NC, FC];
    n = m;
  }
  // The last frontier state has the smallest C.
  let s = n - 1;
  const best = FC[s]!;
  for (let b = k - 1; b >= 0; b--) {
    out[b] = decs[b]![s]!;
    s = parents[b]![s]!;
  }
  return best;
}

/** Per-run prices: run i is n[i] identical blocks priced l[i], c[i], f[i]. */
export interface RunPrices {
  n: Int32Array;
  l: Float64Array;
  c: Float64Array;
  f: Float64Array;
}

/** Step times when run i recomputes its first r[i] blocks and loads the rest. */
export function runTimes(p: RunPrices, r: Int32Array, overlapped: boolean, out: StepTimes): StepTimes {
  let L = 0;
  let C = 0;
  let compute = 0;
  for (let i = 0; i < r.length; i++) {
    const n = p.n[i]!;
    const ri = r[i]!;
    const m = n - ri;
    const l = p.l[i]!;
    const c = p.c[i]!;
    C += ri * p.f[i]!;
    compute += ri * p.f[i]! + m * c;
    if (m > 0) {
      if (overlapped) {
        const a = C + m * c;
        const b = L + l + c + (m - 1) * (l > c ? l : c);
        C = a > b ? a : b;
      } else {
        C += m * (l + c);
      }
      L += m * l;
    }
  }
  out.time = C;
  out.compute = compute;
  out.load = L;
  return out;
}

/** Optimal recompute-prefix lengths per run for the overlapped schedule; fills `r`, returns T. */
export function planRuns(p: RunPrices, r: Int32Array): number {
  const runs = r.length;
  if (runs === 0) return 0;
  let FL = [0];
  let FC = [0];
  const parents: Int32Array[] = [];
  const choices: Int32Array[] = [];
  for (let i = 0; i < runs - 1; i++) {
    const n = p.n[i]!;
    const l = p.l[i]!;
    const c = p.c[i]!;
    const f = p.f[i]!;
    const mx = l > c ? l : c;
    const cl: number[] = [];
    const cc: number[] = [];
    const cp: number[] = [];
    const cr: number[] = [];
    for (let s = 0; s < FL.length; s++) {
      const L = FL[s]!;
      const C0 = FC[s]!;
      for (let ri = 0; ri <= n; ri++) {
        const m = n - ri;
        const C = C0 + ri * f;
        if (m === 0) {
          cl.push(L);
          cc.push(C);
        } else {
          const a = C + m * c;
          const b = L + l + c + (m - 1) * mx;
          cl.push(L + m * l);
          cc.push(a > b ? a : b);
        }
        cp.push(s);
        cr.push(ri);
      }
    }
    // Pareto filter: by L ascending, then C, then fewer recomputes; keep strictly decreasing C.
    const order = cl.map((_, j) => j).sort((a, b) => cl[a]! - cl[b]! || cc[a]! - cc[b]! || cr[a]! - cr[b]!);
    const nl: number[] = [];
    const nc: number[] = [];
    const np: number[] = [];
    const nr: number[] = [];
    let best = Infinity;
    for (const j of order) {
      if (cc[j]! < best) {
        best = cc[j]!;
        nl.push(cl[j]!);
        nc.push(cc[j]!);
        np.push(cp[j]!);
        nr.push(cr[j]!);
      }
    }
    parents.push(Int32Array.from(np));
    choices.push(Int32Array.from(nr));
    FL = nl;
    FC = nc;
  }
  // The last run only needs the best final C: no frontier, no sort. Ties keep the first found,
  // which visits states by ascending L and, within one, fewer recomputes first.
  const last = runs - 1;
  const n = p.n[last]!;
  const l = p.l[last]!;
  const c = p.c[last]!;
  const f = p.f[last]!;
  const mx = l > c ? l : c;
  let best = Infinity;
  let bestState = 0;
  let bestR = 0;
  for (let s = 0; s < FL.length; s++) {
    const L = FL[s]!;
    for (let ri = 0; ri <= n; ri++) {
      const m = n - ri;
      const C = FC[s]! + ri * f;
      let T = C;
      if (m > 0) {
        const a = C + m * c;
        const b = L + l + c + (m - 1) * mx;
        T = a > b ? a : b;
      }
      if (T < best) {
        best = T;
        bestState = s;
        bestR = ri;
      }
    }
  }
  r[last] = bestR;
  let s = bestState;
  for (let i = last - 1; i >= 0; i--) {
    r[i] = choices[i]![s]!;
    s = parents[i]![s]!;
  }
  return best;
}
