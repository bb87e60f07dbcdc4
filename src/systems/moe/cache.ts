/**
 * The GPU expert cache: per-layer partitions (capacity split evenly, the first layers taking any
 * remainder) or one shared partition. Like real offloading runtimes, each partition is a fixed set
 * of expert-sized buffers allocated in the GPU MemoryPool up front (so a cache that cannot fit is
 * an error before the run), and experts move in and out of those slots. A slot is taken when a
 * transfer starts; experts that are loading or pinned (being computed this layer) are never evicted,
 * and a prefetch never evicts an expert the prefetcher has said is needed at a step not yet reached.
 * The cache starts full (fillAtLoad), as after a server loads the model.
 */
import { ConfigError } from '../../errors.js';
import type { MemoryPool } from '../../engine/memory.js';
import type { EvictionPolicy, EvictionView } from './types.js';
import type { ResolvedMoeModel } from './model.js';

export const ABSENT = 0;
export const LOADING = 1;
export const RESIDENT = 2;

export class ExpertCache implements EvictionView {
  readonly state: Uint8Array;
  readonly pins: Int32Array;
  readonly lastUse: Float64Array;
  readonly counts: Float64Array;
  readonly countsWithPrefill: Float64Array;
  /** Current step (layer executions so far); the simulator advances it. */
  clock = 0;
  evictions = 0;
  private useClock = 0;
  private readonly E: number;
  private readonly shared: boolean;
  /**
   * The keys in each partition's slots: partition p's are mem[memOff[p], memOff[p] + memN[p]), in
   * the order a JS array with push and swap-remove would hold them (candidates are listed in it).
   * Typed, because such an array's store is trimmed on pop and reallocated on the next push.
   */
  private readonly mem: Int32Array;
  private readonly memOff: Int32Array;
  private readonly memN: Int32Array;
  /** Each key's layer (a division and a floor per lookup, otherwise). */
  private readonly layerOf: Int32Array;
  private readonly cap: Int32Array;
  private readonly keysOf: number[][];
  private readonly scratch: number[] = [];

  constructor(
    readonly model: ResolvedMoeModel,
    scope: 'per-layer' | 'shared',
    readonly capacity: number,
    pool: MemoryPool,
    private readonly policy: EvictionPolicy,
    readonly nextUse: (key: number) => number,
    private readonly onEvict: (key: number) => void,
    /** A prefetch may not evict this key (predicted to be needed soon). */
    private readonly shielded: (key: number) => boolean = () => false,
  ) {
    const L = model.layers;
    const E = (this.E = model.experts);
    const n = L * E;
    this.state = new Uint8Array(n);
    this.pins = new Int32Array(n);
    this.lastUse = new Float64Array(n);
    this.counts = new Float64Array(n);
    this.countsWithPrefill = new Float64Array(n);
    this.shared = scope === 'shared';
    const parts = this.shared ? 1 : L;
    if (capacity < parts) {
      throw new ConfigError(`a per-layer expert cache needs at least one expert per layer: ${capacity} experts for ${L} layers (use cache_scope: shared, or more memory)`);
    }
    this.cap = new Int32Array(parts);
    for (let p = 0; p < parts; p++) this.cap[p] = Math.floor(capacity / parts) + (p < capacity % parts ? 1 : 0);
    this.memOff = new Int32Array(parts + 1);
    for (let p = 0; p < parts; p++) this.memOff[p + 1] = this.memOff[p]! + this.cap[p]!;
    this.mem = new Int32Array(this.memOff[parts]!);
    this.memN = new Int32Array(parts);
    this.layerOf = Int32Array.from({ length: n }, (_, k) => Math.floor(k / E));
    for (let p = 0; p < parts; p++) pool.alloc(this.shared ? 'expert cache' : `expert cache L${p}`, this.cap[p]! * model.expertBytes);
    this.keysOf = this.shared ? [Array.from({ length: n }, (_, k) => k)] : Array.from({ length: L }, (_, l) => Array.from({ length: E }, (_, e) => l * E + e));
  }

  partition(key: number): number {
    return this.shared ? 0 : this.layerOf[key]!;
  }

  capacityOf(key: number): number {
    return this.cap[this.partition(key)]!;
  }

  partitionKeys(key: number): readonly number[] {
    return this.keysOf[this.partition(key)]!;
  }

  /** Mark a use (demand access) for recency. */
  touch(key: number): void {
    this.lastUse[key] = ++this.useClock;
  }

  /**
   * Take a slot for `key` (state LOADING), evicting if the partition is full. False when no slot can
   * be had: every expert there is loading or pinned, or the policy declined (prefetch only).
   */
  reserve(key: number, demand: boolean): boolean {
    const p = this.partition(key);
    const mem = this.mem;
    const base = this.memOff[p]!;
    if (this.memN[p]! >= this.cap[p]!) {
      const cands = this.scratch;
      let n = 0;
      const end = base + this.memN[p]!;
      for (let i = base; i < end; i++) {
        const k = mem[i]!;
        if (this.state[k] === RESIDENT && this.pins[k] === 0 && (demand || !this.shielded(k))) cands[n++] = k;
      }
      if (n === 0) return false;
      let v = this.policy.victim(this, cands, n, key, demand);
      if (v < 0) {
        if (!demand) return false;
        v = cands[0]!; // a policy may not refuse a demand fetch
      }
      this.evict(v);
    }
    mem[base + this.memN[p]!++] = key;
    this.state[key] = LOADING;
    this.lastUse[key] = ++this.useClock;
    return true;
  }

  /**
   * Fill every slot before the run, as a server does when it loads the model: each layer's
   * lowest-numbered experts (shared: spread evenly over the layers). No transfer is simulated.
   */
  fillAtLoad(): void {
    const L = this.model.layers;
    const E = this.E;
    if (this.shared) {
      for (let i = 0; i < this.cap[0]!; i++) this.preload((i % L) * E + Math.floor(i / L));
    } else {
      for (let l = 0; l < L; l++) for (let e = 0; e < this.cap[l]!; e++) this.preload(l * E + e);
    }
  }

  private preload(key: number): void {
    this.reserve(key, true);
    this.loaded(key);
  }

  loaded(key: number): void {
    this.state[key] = RESIDENT;
  }

  /** Resident experts (for tests and warm starts). */
  residents(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.memN.length; p++) {
      for (let i = this.memOff[p]!; i < this.memOff[p]! + this.memN[p]!; i++) if (this.state[this.mem[i]!] === RESIDENT) out.push(this.mem[i]!);
    }
    return out.sort((a, b) => a - b);
  }

  private evict(key: number): void {
    const p = this.partition(key);
    const mem = this.mem;
    const base = this.memOff[p]!;
    const last = base + --this.memN[p]!;
    let i = base;
    while (mem[i] !== key) i++;
    mem[i] = mem[last]!;
    this.state[key] = ABSENT;
    this.evictions++;
    this.onEvict(key);
  }
}
