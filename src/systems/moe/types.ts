/**
 * The three policy interfaces of the moe system and what the simulator shows each of them. A
 * policy is one small file exporting a factory; policies/<family>/index.ts registers it by name.
 * Experts are addressed by key = layer * E + expert.
 */
import type { MoePolicyConfig } from './schemas.js';
import type { MoeModelSpec } from './presets.js';
import type { Rng } from '../../engine/index.js';

/** A step of decoding whose experts at `layer` a prefetcher is asked about. */
export interface PrefetchTarget {
  /** 0 = the step running now, 1 = the next one. */
  step: 0 | 1;
  layer: number;
}

/** What prefetchers may look at. Every method writes expert ids (not keys) into `out`. */
export interface PrefetchView {
  readonly model: MoeModelSpec;
  /** Experts the target's tokens really route to (the oracle's knowledge). */
  actual(t: PrefetchTarget, out: number[]): void;
  /** Experts the previous token of each request in the target used at that layer. */
  previous(t: PrefetchTarget, out: number[]): void;
  /** A next-layer predictor's guess (trace column or synthetic). */
  predicted(t: PrefetchTarget, out: number[]): void;
  /** Decode routings seen so far per key (layer * E + expert). */
  readonly counts: Float64Array;
  /** Tokens in the running batch (a budget: about top-k x batch experts per layer). */
  readonly batchSize: number;
}

export interface PrefetchPolicy {
  /** Experts to load for the target, most useful first. */
  predict(view: PrefetchView, t: PrefetchTarget, out: number[]): void;
}
export type PrefetchFactory = (cfg: MoePolicyConfig, model: MoeModelSpec) => PrefetchPolicy;

/** What eviction policies may look at. */
export interface EvictionView {
  readonly model: MoeModelSpec;
  /** Order of the last use (demand access or load start) per key; larger = more recent. */
  readonly lastUse: Float64Array;
  /** Decode routings seen so far per key. */
  readonly counts: Float64Array;
  /** The same plus prefill tokens routed to the key. */
  readonly countsWithPrefill: Float64Array;
  /** Steps (layer executions) until the key is next needed, Infinity if not within the lookahead. */
  nextUse(key: number): number;
  /** Cache capacity of the partition a key belongs to, in experts. */
  capacityOf(key: number): number;
  /** Keys in the same partition (all experts that could live there). */
  partitionKeys(key: number): readonly number[];
  /** The step counter (changes once per layer executed). */
  readonly clock: number;
}

export interface EvictionPolicy {
  /**
   * Pick the key to evict among `candidates[0..n)` (resident, unpinned, same partition) to make
   * room for `incoming`; -1 declines (only honoured for prefetches: `demand` false).
   */
  victim(view: EvictionView, candidates: readonly number[], n: number, incoming: number, demand: boolean): number;
}
/** `rng` is the run's own `eviction` stream (only `random` draws from it). */
export type EvictionFactory = (cfg: MoePolicyConfig, model: MoeModelSpec, rng: Rng) => EvictionPolicy;

/** One expert the running layer needs that is not resident and not already on its way. */
export interface Miss {
  layer: number;
  expert: number;
  /** Largest normalised gate weight among the tokens that route to it. */
  weight: number;
  /** Largest number of missing experts among those tokens. */
  missingInToken: number;
  /** Smallest routing entropy (0..1, see sim.routingEntropy) among those tokens; 1 unless buddy_min_entropy is set. */
  entropy: number;
  /** Tokens that route to it. */
  tokens: number;
  /** Estimated seconds to fetch it now / to compute it on the CPU instead. */
  fetchSeconds: number;
  cpuSeconds: number;
}

export interface MissView {
  /** Loaded on the GPU now (and so usable at once). */
  resident(layer: number, expert: number): boolean;
  /** Some token routing to `expert` also routes to `other` at this layer. */
  selectedWith(expert: number, other: number): boolean;
  /** Most similar experts to `expert` at `layer`, best first (empty if nothing is known). */
  buddies(layer: number, expert: number): readonly number[];
}

/** FETCH, DROP, CPU, LOWBIT, or (>= 0) substitute that expert id. */
export const FETCH = -1;
export const DROP = -2;
export const CPU = -3;
export const LOWBIT = -4;
export type MissAction = number;

export interface MissPolicy {
  decide(m: Miss, view: MissView): MissAction;
}
export type MissFactory = (cfg: MoePolicyConfig, model: MoeModelSpec) => MissPolicy;

/** The shared confidence gate: may a fallback replace fetching this miss? */
export function fallbackAllowed(m: Miss, cfg: MoePolicyConfig): boolean {
  return m.weight <= cfg.gate_max_weight && m.missingInToken <= (cfg.gate_max_missing ?? Infinity);
}
