/**
 * A small bounded Levenberg–Marquardt least-squares solver for `servesim fit`.
 *
 * Parameters live in log space (u = ln x), so a bandwidth and an overhead a thousand times smaller
 * are stepped on the same relative scale, and bounds lo <= x <= hi become a box on u that every
 * step is projected onto. The Jacobian is taken by forward differences with a step that is large
 * for a float (1% in x by default): a discrete-event model is piecewise smooth at best (a prefetch
 * lands before or after its gate), so an infinitesimal step would read noise.
 *
 * Uncertainty: at the optimum, cov(u) = s^2 (J^T J)^-1 with s^2 = SSR / (n - p); a parameter's
 * relative standard error is sqrt(cov_ii) (a log-space sd is a relative one). With n <= p the
 * data pin the parameters exactly and no error estimate exists (reported as NaN).
 */

export interface Bound {
  lo: number;
  hi: number;
}

export interface LmOptions {
  /** Starting point (default: geometric midpoint of each bound). */
  init?: readonly number[];
  /** Forward-difference step in ln x. __Default value:__ 0.01 */
  step?: number;
  /** Stop when the cost falls by less than this fraction. __Default value:__ 1e-10 */
  tol?: number;
  /** Maximum outer iterations. __Default value:__ 50 */
  maxIter?: number;
}

export interface LmResult {
  x: number[];
  /** Residuals at x. */
  residuals: number[];
  /** 0.5 * sum of squared residuals. */
  cost: number;
  /** Relative standard error of each parameter (sd of ln x); NaN when not estimable. */
  relStdErr: number[];
  iterations: number;
  /** Residual evaluations spent. */
  evaluations: number;
  /** Parameters that ended on a bound. */
  atBound: boolean[];
}

export type Residuals = (x: readonly number[]) => Promise<number[]>;

export async function levenbergMarquardt(f: Residuals, bounds: readonly Bound[], opts: LmOptions = {}): Promise<LmResult> {
  const p = bounds.length;
  const step = opts.step ?? 0.01;
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 50;
  const lo = bounds.map((b) => Math.log(b.lo));
  const hi = bounds.map((b) => Math.log(b.hi));
  const clamp = (u: number[]) => u.map((v, i) => Math.min(hi[i]!, Math.max(lo[i]!, v)));
  let evaluations = 0;
  const evalAt = async (u: number[]) => {
    evaluations++;
    const r = await f(u.map(Math.exp));
    if (r.some((v) => !Number.isFinite(v))) return undefined;
    return r;
  };
  let u = clamp(opts.init ? opts.init.map(Math.log) : lo.map((l, i) => (l + hi[i]!) / 2));
  let r = await evalAt(u);
  if (!r) throw new Error('levenbergMarquardt: the residuals are not finite at the starting point');
  let cost = half(r);
  let lambda = 1e-2;
  let iterations = 0;
  let J: number[][] = [];
  for (; iterations < maxIter; iterations++) {
    J = await jacobian(evalAt, u, r, step, hi);
    const { A, g } = normal(J, r);
    let improved = false;
    for (let tries = 0; tries < 12; tries++) {
      const damped = A.map((row, i) => row.map((v, j) => (i === j ? v + lambda * Math.max(v, 1e-12) : v)));
      const delta = solve(damped, g.map((v) => -v));
      if (!delta) {
        lambda *= 10;
        continue;
      }
      const next = clamp(u.map((v, i) => v + delta[i]!));
      if (next.every((v, i) => v === u[i])) break;
      const rn = await evalAt(next);
      const cn = rn ? half(rn) : Infinity;
      if (cn < cost) {
        const gain = (cost - cn) / Math.max(cost, 1e-300);
        u = next;
        r = rn!;
        cost = cn;
        lambda = Math.max(lambda / 3, 1e-9);
        improved = true;
        if (gain < tol) iterations = maxIter;
        break;
      }
      lambda *= 4;
    }
    if (!improved || cost < 1e-24) break;
  }
  if (J.length === 0 || iterations > 0) J = await jacobian(evalAt, u, r, step, hi);
  const n = r.length;
  let relStdErr = new Array<number>(p).fill(NaN);
  if (n > p) {
    const inv = invert(normal(J, r).A);
    const s2 = (2 * cost) / (n - p);
    if (inv) relStdErr = inv.map((row, i) => Math.sqrt(Math.max(0, row[i]! * s2)));
  }
  return {
    x: u.map(Math.exp),
    residuals: r,
    cost,
    relStdErr,
    iterations,
    evaluations,
    atBound: u.map((v, i) => v <= lo[i]! + 1e-12 || v >= hi[i]! - 1e-12),
  };
}

function half(r: readonly number[]): number {
  return 0.5 * r.reduce((a, v) => a + v * v, 0);
}

/** Forward differences in u; steps backwards at an upper bound so x stays inside the box. */
async function jacobian(evalAt: (u: number[]) => Promise<number[] | undefined>, u: number[], r: number[], step: number, hi: number[]): Promise<number[][]> {
  const cols: number[][] = [];
  for (let j = 0; j < u.length; j++) {
    const h = u[j]! + step > hi[j]! ? -step : step;
    const uj = u.slice();
    uj[j] = u[j]! + h;
    const rj = (await evalAt(uj)) ?? r;
    cols.push(rj.map((v, i) => (v - r[i]!) / h));
  }
  return r.map((_, i) => cols.map((c) => c[i]!));
}

/** J^T J and J^T r. */
function normal(J: number[][], r: number[]): { A: number[][]; g: number[] } {
  const p = J[0]?.length ?? 0;
  const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const g = new Array<number>(p).fill(0);
  J.forEach((row, i) => {
    for (let a = 0; a < p; a++) {
      g[a]! += row[a]! * r[i]!;
      for (let b = 0; b < p; b++) A[a]![b]! += row[a]! * row[b]!;
    }
  });
  return { A, g };
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
export function solve(A: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(M[i]![c]!) > Math.abs(M[piv]![c]!)) piv = i;
    if (!(Math.abs(M[piv]![c]!) > 1e-300)) return undefined;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let i = c + 1; i < n; i++) {
      const k = M[i]![c]! / M[c]![c]!;
      for (let j = c; j <= n; j++) M[i]![j]! -= k * M[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= M[i]![j]! * x[j]!;
    x[i] = s / M[i]![i]!;
  }
  return x;
}

function invert(A: number[][]): number[][] | undefined {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const c = solve(A, e);
    if (!c) return undefined;
    cols.push(c);
  }
  return A.map((_, i) => cols.map((c) => c[i]!));
}
