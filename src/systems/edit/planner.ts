/**
 * Turns a batch shape into a step schedule: prices per group, laid out per run of identical
 * blocks, the loading policy's load/recompute decisions, and the step's times. Adaptive decisions
 * (the DP) are memoised per quantised shape, since a running batch revisits a few shapes many
 * times; the times are always evaluated exactly for the actual shape.
 */
import { BatchShape, type EditCosts } from './costs.js';
import { runTimes, type RunPrices, type StepTimes } from './plan.js';
import type { LoadingPolicy } from './policies/loading/types.js';
import { jobSeconds } from '../../cost/host.js';

/** Shape buckets per unit of (pixel-ratio-weighted) request: 1/64 of a mask ratio. */
const QUANTUM = 64;

export class StepPlanner {
  /** Blocks per step. */
  readonly k: number;
  /** Per-run prices and recompute prefixes of the last plan (scratch: read before the next plan()). */
  readonly prices: RunPrices;
  readonly recompute: Int32Array;
  /** Group of each run. */
  readonly runGroup: Uint8Array;
  readonly times: StepTimes = { time: 0, compute: 0, load: 0 };
  /** Blocks loaded in the last plan. */
  loaded = 0;
  /** Host seconds of the last plan's step (`model.host`): in series, and issued beside the GPU. */
  readonly host = { serial: 0, issue: 0 };
  private readonly memo = new Map<string, Int32Array>();
  private readonly single = new BatchShape();
  private readonly singleMemo = new Map<string, number>();

  constructor(
    readonly costs: EditCosts,
    readonly loading: LoadingPolicy,
  ) {
    const m = costs.model;
    this.k = m.k;
    const runs = m.runs.length;
    this.runGroup = Uint8Array.from(m.runs, (r) => r.group);
    this.prices = { n: Int32Array.from(m.runs, (r) => r.count), l: new Float64Array(runs), c: new Float64Array(runs), f: new Float64Array(runs) };
    this.recompute = new Int32Array(runs);
  }

  get memoSize(): number {
    return this.memo.size;
  }

  plan(s: BatchShape): StepTimes {
    const costs = this.costs;
    costs.price(s);
    const p = this.prices;
    const r = this.recompute;
    for (let i = 0; i < r.length; i++) {
      const g = this.runGroup[i]!;
      p.l[i] = costs.l[g]!;
      p.c[i] = costs.c[g]!;
      p.f[i] = costs.f[g]!;
    }
    if (s.U === 0) {
      r.set(p.n);
    } else if (!this.loading.adaptive) {
      this.loading.decide(p, r);
    } else {
      const key = `${s.B}|${Math.round(s.A1 * QUANTUM)}|${Math.round(s.R1 * QUANTUM)}|${Math.round(s.U * QUANTUM)}`;
      const hit = this.memo.get(key);
      if (hit) {
        r.set(hit);
      } else {
        this.loading.decide(p, r);
        this.memo.set(key, r.slice());
      }
    }
    let recomputed = 0;
    for (let i = 0; i < r.length; i++) recomputed += r[i]!;
    this.loaded = this.k - recomputed;
    const t = runTimes(p, r, this.loading.overlapped, this.times);
    const h = costs.model.host;
    if (h) {
      // The host's serial work, then the GPU step or the host's issue of it, whichever is longer
      // (overlapped), or both (serial). The GPU's busy time (t.compute) does not change.
      costs.hostStep(s, this.host);
      t.time = this.host.serial + jobSeconds(t.time, this.host.issue, h.overlap);
    }
    return t;
  }

  /** Per-block view of the last plan, for the detailed executor and traces. */
  blocks(): { l: Float64Array; c: Float64Array; f: Float64Array; bytes: Float64Array; load: Uint8Array } {
    const out = { l: new Float64Array(this.k), c: new Float64Array(this.k), f: new Float64Array(this.k), bytes: new Float64Array(this.k), load: new Uint8Array(this.k) };
    let b = 0;
    for (let i = 0; i < this.recompute.length; i++) {
      const g = this.runGroup[i]!;
      for (let j = 0; j < this.prices.n[i]!; j++, b++) {
        out.l[b] = this.prices.l[i]!;
        out.c[b] = this.prices.c[i]!;
        out.f[b] = this.prices.f[i]!;
        out.bytes[b] = this.costs.loadBytes[g]!;
        out.load[b] = j >= this.recompute[i]! ? 1 : 0;
      }
    }
    return out;
  }

  /** Step seconds of one request alone (memoised per 1/64 of mask ratio): the balancer's predictor. */
  soloStepSeconds(rho: number, w: number, u: number): number {
    const key = `${rho}|${Math.round(w * QUANTUM)}|${Math.round(u * QUANTUM)}`;
    let t = this.singleMemo.get(key);
    if (t === undefined) {
      t = this.plan(this.single.clear().add(rho, w, u)).time;
      this.singleMemo.set(key, t);
    }
    return t;
  }
}
