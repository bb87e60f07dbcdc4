/**
 * The moe serving loop on the engine, written as plain callbacks (the per-layer path runs millions
 * of times, so no generator processes here). One decode step of the running batch:
 *
 *   for each layer l:  GPU: attention + router (batch)          -> gate: experts needed = union
 *                      hits: GPU expert FFN at once               over the batch's rows at l
 *                      misses: the miss policy decides: fetch on the demand copy stream | drop |
 *                              CPU (activations D2H, CPU FFN, H2D) | buddy on the GPU | low-bit copy
 *                      prefetch for l+1..l+depth goes on the prefetch copy stream
 *                      the layer ends when every part has finished
 *   LM head, then the next step (requests join and leave between steps).
 *
 * The two copy streams are FIFO, one transfer each at a time, on one PCIe Link: a prefetch and a
 * demand fetch in flight together share its bandwidth. Expert slots are GPU MemoryPool
 * allocations (see cache.ts). Requests whose next token is a prefill step run it alone first.
 */
import { Env, IntFifo, Link, MemoryPool, Server, type Rng, type TraceArgs, type TraceSink, type Transfer, type TransferOptions } from '../../engine/index.js';
import type { JobOptions } from '../../engine/server.js';
import { ConfigError } from '../../errors.js';
import { fanOut, UtilisationRecorder } from '../../metrics/recorders.js';
import type { RequestSink } from '../../metrics/request-log.js';
import type { WarmupConfig } from '../../metrics/types.js';
import { synthPrediction } from '../../workloads/moe/predictor.js';
import type { ResolvedHardware } from '../hardware.js';
import type { BuddyTable } from './buddies.js';
import { loadThenCopyBack } from './swap.js';
import { copyOnComputeStream, type CopyStreamMode } from './copy-stream.js';
import { ABSENT, ExpertCache, LOADING, RESIDENT } from './cache.js';
import type { MoeCosts } from './costs.js';
import type { Feeder, RequestRec, TokenRec } from './feeder.js';
import type { ResolvedMoeModel } from './model.js';
import type { MoePolicyConfig } from './schemas.js';
import { DROPPED, EXACT, MoeStats, ON_CPU, STALL_COPY, STALL_CPU, STALL_IN_FLIGHT, STALL_MISSING, SUBSTITUTED } from './stats.js';
import { CPU, DROP, FETCH, LOWBIT, type EvictionPolicy, type Miss, type MissPolicy, type MissView, type PrefetchPolicy, type PrefetchTarget, type PrefetchView } from './types.js';

/**
 * requests.csv columns of a moe run, after the common ones: time to first token, decode tokens,
 * and the GPU stall of the steps its decode tokens ran in, summed (a batch step's stall counts
 * for every request in it, as stall_ms counts it for every token).
 */
export const MOE_REQUEST_COLUMNS = ['ttft_ms', 'tokens', 'stall_ms'] as const;

export interface MoeSimSetup {
  model: ResolvedMoeModel;
  hw: ResolvedHardware;
  costs: MoeCosts;
  policy: MoePolicyConfig;
  feeder: Feeder;
  prefetcher: PrefetchPolicy;
  eviction: EvictionPolicy;
  miss: MissPolicy;
  buddies: BuddyTable | null;
  /** Use the trace's `predicted` column (else a synthetic predictor). */
  tracePredictions: boolean;
  predictorRng: Rng;
  promptTokens: number;
  warmup: WarmupConfig;
  trace?: TraceSink;
  /** Per-request records (requests.csv). */
  requests?: RequestSink;
}

const ATTN: JobOptions = { label: 'attention' };
const EXPERT: JobOptions = { label: 'expert' };
/** The hits' job, traced: one job for every expert resident at the gate. */
const EXPERTS: JobOptions = { label: 'experts' };
const HEAD: JobOptions = { label: 'lm_head' };
const DENSE: JobOptions = { label: 'dense layers' };
const CPU_JOB: JobOptions = { label: 'cpu expert' };
const QUEUE_TRACKS = ['pcie h2d demand queue', 'pcie h2d prefetch queue', 'cpu queue'];

export class MoeSim implements PrefetchView, MissView {
  readonly env = new Env();
  readonly util = new UtilisationRecorder();
  readonly stats = new MoeStats();
  readonly gpu: Server;
  readonly cpu: Server;
  readonly h2d: Link;
  readonly d2h: Link;
  readonly pool: MemoryPool;
  readonly cache: ExpertCache;
  readonly model: ResolvedMoeModel;
  readonly counts: Float64Array;
  private readonly countsAll: Float64Array;
  /** Set when the simulation stopped for the driver: refill the trace buffer, or yield to the event loop. */
  needFill = false;
  yieldNow = false;
  /** Decode steps between driver yields (0: never). */
  yieldEvery = 0;
  completed = 0;
  admitted = 0;
  decodeDone = 0;
  private readonly s: MoeSimSetup;
  private readonly L: number;
  private readonly E: number;
  private readonly tracing: boolean;
  private readonly window: number;
  private readonly prefetching: boolean;
  private readonly active: RequestRec[] = [];
  // the running step
  private seq = 0;
  private batch: TokenRec[] = [];
  private prefill = false;
  private layer = 0;
  private stepStart = 0;
  private stepGpuBusy = 0;
  /** GPU-idle seconds of the running step already put down to a cause (see attributeIdle). */
  private stepIdleSeen = 0;
  private readonly stepIdle = new Float64Array(4);
  private stepCopy0 = 0;
  private layerTime = 0;
  private pending = 0;
  private gatePos = -1;
  private stepsSinceYield = 0;
  // per-expert scratch for the running layer (indexed by expert id)
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly need: Int32Array;
  private readonly wmax: Float64Array;
  /** Normalised gate weight routed to each expert this layer, summed over the batch. */
  private readonly wtot: Float64Array;
  private readonly missTok: Int32Array;
  private readonly served: Uint8Array;
  private readonly union: Int32Array;
  private readonly missList: Int32Array;
  private readonly miss: Miss = { layer: 0, expert: 0, weight: 0, missingInToken: 0, entropy: 1, tokens: 0, fetchSeconds: 0, cpuSeconds: 0 };
  private readonly entropyGate: boolean;
  private readonly entMin: Float64Array;
  private readonly mark2: Int32Array;
  private readonly dedupe: Int32Array;
  private dedupeStamp = 0;
  // per-key state
  private readonly waiting: Int32Array;
  private readonly prefetchQueued: Uint8Array;
  /** The furthest step position a prefetcher has said the key is needed at. */
  private readonly wantedPos: Float64Array;
  /** Set by a prefetch transfer: 1 issued in the warm-up, 2 issued while measuring (only those count for precision). */
  private readonly fromPrefetch: Uint8Array;
  /** Why the running layer waits for a key: STALL_IN_FLIGHT (a prefetch already loading) or STALL_MISSING. */
  private readonly waitCause: Uint8Array;
  // copy streams
  private readonly gpuJobs = new IntFifo();
  private readonly demandQ = new IntFifo();
  private demandBusy = false;
  private demandBlocked = false;
  private demandKey = -1;
  private readonly prefetchQ = new IntFifo();
  /** copy_engine fifo, in issue order: one queue, prefetch keys, then N + key (fetch), 2N + key (low-bit). */
  private readonly copyQ: IntFifo | null;
  private readonly fifo: boolean;
  private readonly copyStream: CopyStreamMode;
  /** Share of each copy-stream copy's time it also takes from the compute stream: 1 - the cost model's overlap. */
  private readonly overlapShare: number;
  private readonly nKeys: number;
  /** Set by onEvict: the reserve just made evicted an expert (a swap copies it back). */
  private evictedNow = false;
  private readonly fetchOpts: TransferOptions = { label: 'fetch', onDone: () => this.onDemandDone() };
  private readonly lowbitOpts: TransferOptions = { label: 'lowbit', onDone: () => this.onDemandDone() };
  private readonly prefetchOpts: TransferOptions = { label: 'prefetch', onDone: () => this.onPrefetchDone() };
  // The same for moveIn's plain path, where nothing keeps the Transfer past its onDone (a
  // prefetch's is dropped there): the link reuses the objects. Swaps and compute-stream copies
  // hand theirs on, so they use the options above.
  private readonly fetchOptsR: TransferOptions = { ...this.fetchOpts, recycle: true };
  private readonly lowbitOptsR: TransferOptions = { ...this.lowbitOpts, recycle: true };
  private readonly prefetchOptsR: TransferOptions = { ...this.prefetchOpts, recycle: true };
  private prefetchBusy = false;
  private prefetchKey = -1;
  private prefetchTransfer: Transfer | null = null;
  private readonly fallbackOnLate: boolean;
  private readonly alwaysFetch: boolean;
  private readonly lateMark: Int32Array;

  constructor(setup: MoeSimSetup, capacity: number, resident: { name: string; bytes: number }[]) {
    this.s = setup;
    const m = (this.model = setup.model);
    this.L = m.layers;
    this.E = m.experts;
    // Only Belady looks further than the next step; a short window keeps rows young for the GC.
    this.window = setup.policy.cache === 'belady' ? setup.policy.lookahead_tokens : 4;
    this.prefetching = setup.policy.prefetch !== 'none';
    this.fallbackOnLate = setup.policy.miss !== 'fetch';
    this.alwaysFetch = setup.policy.miss === 'fetch';
    this.tracing = setup.trace !== undefined;
    const sink = fanOut([this.util, setup.trace]);
    const env = this.env;
    this.gpu = new Server(env, 'gpu', { trace: sink });
    this.cpu = new Server(env, 'cpu', { trace: sink });
    this.h2d = new Link(env, 'pcie h2d', { bandwidth: setup.hw.pcie.bandwidth, latency: setup.hw.pcie.latency, trace: sink });
    // PCIe is full duplex: activations to the CPU travel on their own direction.
    this.d2h = new Link(env, 'pcie d2h', { bandwidth: setup.hw.pcie.bandwidth, latency: setup.hw.pcie.latency, trace: setup.trace });
    this.pool = new MemoryPool('gpu memory', setup.hw.gpu.memoryBytes, { trace: setup.trace, now: () => env.now });
    for (const r of resident) this.pool.alloc(r.name, r.bytes);
    this.cache = new ExpertCache(m, setup.policy.cache_scope, capacity, this.pool, setup.eviction, (k) => this.nextUse(k), (k) => this.onEvict(k), (k) => this.wantedPos[k]! > this.gatePos);
    this.counts = this.cache.counts;
    this.countsAll = this.cache.countsWithPrefill;
    this.cache.fillAtLoad();
    const n = m.layers * m.experts;
    this.mark = new Int32Array(m.experts);
    this.need = new Int32Array(m.experts);
    this.wmax = new Float64Array(m.experts);
    this.wtot = new Float64Array(m.experts);
    this.missTok = new Int32Array(m.experts);
    this.served = new Uint8Array(m.experts);
    this.dedupe = new Int32Array(m.experts);
    this.union = new Int32Array(m.experts);
    this.lateMark = new Int32Array(m.experts);
    this.entropyGate = setup.policy.buddy_min_entropy > 0;
    this.entMin = new Float64Array(m.experts).fill(1);
    this.mark2 = new Int32Array(m.experts);
    this.ready = new Int32Array(2 * m.experts); // hits plus buddies: at most one of each per expert
    this.missList = new Int32Array(m.experts);
    this.waiting = new Int32Array(n);
    this.prefetchQueued = new Uint8Array(n);
    this.wantedPos = new Float64Array(n);
    this.fromPrefetch = new Uint8Array(n);
    const p = setup.policy;
    this.nKeys = n;
    this.fifo = p.copy_engine === 'fifo';
    this.copyQ = this.fifo && !p.demand_first ? new IntFifo() : null;
    this.copyStream = p.copy_stream;
    this.overlapShare = 1 - setup.hw.gpuCost.overlap;
    this.waitCause = new Uint8Array(n);
  }

  /**
   * Whether the trace keeps the args built for it: false without one, for one that keeps names and
   * times only, or once a bounded recorder is full. Slices and counters are still reported under
   * their traced names (a full recorder counts them).
   */
  private detail(): boolean {
    return this.detailNow;
  }
  /**
   * detail() read once per step: asking the sink costs a call chain on every layer, and the answer
   * only saves work (a sink that keeps no args drops them anyway), so a step late is fine.
   */
  private detailNow = false;
  private askDetail(): void {
    this.detailNow = this.tracing && this.s.trace!.detail?.() !== false;
  }

  get batchSize(): number {
    return this.batch.length;
  }

  /** Requests the feeder has read whose arrival time has passed. */
  arrived(): number {
    let n = this.admitted;
    for (const r of this.s.feeder.pending) if (r.arrival <= this.env.now) n++;
    return n;
  }

  // --- scheduling between steps ---------------------------------------------------------------

  /** Whether the trace buffer must grow before the next step can be planned. */
  wantRows = (): boolean => {
    const f = this.s.feeder;
    if (f.eof) return false;
    if (f.tokensAhead < this.window) return true;
    if (this.active.length < this.s.policy.batch_size && f.pending.length === 0) return true;
    for (const r of this.active) if (r.head >= r.tokens.length && !r.complete) return true;
    return false;
  };

  private mustFill(): boolean {
    const f = this.s.feeder;
    if (f.eof) return false;
    if (f.tokensAhead < this.window / 2) return true;
    if (this.active.length < this.s.policy.batch_size && f.pending.length === 0) return true;
    for (const r of this.active) if (r.head >= r.tokens.length && !r.complete) return true;
    return false;
  }

  /** Plan and start the next step, or wait for an arrival, or stop for the driver. */
  next = (): void => {
    const f = this.s.feeder;
    for (let i = 0; i < this.active.length; i++) {
      const r = this.active[i]!;
      if (r.head >= r.tokens.length && r.complete) {
        this.active.splice(i--, 1);
        this.completed++;
        this.s.requests?.add({
          id: r.id,
          arrival: r.arrival,
          start: r.admittedAt,
          finish: r.lastTime,
          warmup: !r.measured,
          // Same order as MOE_REQUEST_COLUMNS.
          extra: [(r.firstTokenAt - r.arrival) * 1000, r.decoded, r.stall * 1000],
        });
      }
    }
    const now = this.env.now;
    while (this.active.length < this.s.policy.batch_size && f.pending.length > 0 && f.pending[0]!.arrival <= now) {
      const r = f.pending.shift()!;
      r.admittedAt = now;
      this.active.push(r);
      this.admitted++;
    }
    if (this.mustFill()) {
      if (f.sync) {
        f.fillSync(this.wantRows);
        return this.next();
      }
      this.needFill = true;
      this.env.stop();
      return;
    }
    if (this.yieldEvery > 0 && this.stepsSinceYield >= this.yieldEvery) {
      this.stepsSinceYield = 0;
      this.yieldNow = true;
      this.env.stop();
      return;
    }
    if (this.active.length === 0) {
      if (f.pending.length > 0) this.env.at(f.pending[0]!.arrival, this.next);
      return;
    }
    const batch = this.batch;
    batch.length = 0;
    for (const r of this.active) {
      const t = r.tokens[r.head]!;
      if (t.prefill) {
        batch.length = 0;
        batch.push(t);
        break;
      }
      batch.push(t);
    }
    this.startStep(batch.length === 1 && batch[0]!.prefill);
  };

  private startStep(prefill: boolean): void {
    const st = this.stats;
    const w = this.s.warmup;
    if (!st.measuring && this.decodeDone >= (w.tokens ?? 0) && this.env.now >= (w.seconds ?? 0)) this.startMeasuring();
    this.seq++;
    this.stepsSinceYield++;
    this.askDetail();
    this.prefill = prefill;
    this.layer = 0;
    this.stepStart = this.env.now;
    this.stepGpuBusy = this.gpu.busyTime();
    this.stepIdleSeen = 0;
    this.stepIdle.fill(0);
    this.stepCopy0 = this.copyOnGpu();
    let dense: number;
    if (prefill) {
      this.layerTime = this.s.costs.prefillLayer(this.s.promptTokens);
      dense = this.s.costs.densePrefill(this.s.promptTokens);
    } else {
      let ctx = 0;
      for (const t of this.batch) ctx += this.s.promptTokens + t.index;
      this.layerTime = this.s.costs.decodeLayer(this.batch.length, ctx);
      dense = this.s.costs.denseDecode(this.batch.length, ctx);
    }
    // Dense layers come first (DeepSeek's layer 0): GPU work with no gate, so nothing to fetch.
    if (dense > 0) this.gpu.submit(dense, this.afterDense, DENSE);
    else this.startLayer();
  }

  private afterDense = (): void => this.startLayer();

  private startMeasuring(): void {
    const st = this.stats;
    st.measuring = true;
    st.start = this.env.now;
    st.gpuBusy0 = st.gpuBusy = this.gpu.busyTime();
    st.cpuBusy0 = st.cpuBusy = this.cpu.busyTime();
    st.pcieBusy0 = st.pcieBusy = this.h2d.busyTime();
    st.pcieBytes0 = st.pcieBytes = this.h2d.bytesMoved;
    st.end = this.env.now;
  }

  private startLayer(): void {
    this.cache.clock++;
    this.gpu.submit(this.layerTime, this.onGate, this.detail() ? { label: 'attention', args: { layer: this.layer, batch: this.batch.length } } : ATTN);
  }

  // --- one layer ------------------------------------------------------------------------------

  /** Router output known: serve every needed expert, issue prefetches. */
  private onGate = (): void => {
    const l = this.layer;
    const E = this.E;
    const st = this.stats;
    const measuring = st.measuring;
    const cache = this.cache;
    const state = cache.state;
    this.gatePos = this.seq * this.L + l;
    const stamp = ++this.stamp;
    const union = this.union;
    let nu = 0;
    // 1. experts needed: the union over the batch, tokens per expert, heaviest gate weight
    for (const tok of this.batch) {
      const ex = tok.ex;
      const s0 = ex[l]!;
      const s1 = ex[l + 1]!;
      const k = s1 - s0;
      const tw = tok.w;
      const w = tw !== null && tw[s0] === tw[s0] ? tw : null; // NaN: this row has no weights
      let wsum = 0;
      if (w) for (let i = s0; i < s1; i++) wsum += w[i]!;
      const prefillTokens = this.prefill ? this.s.promptTokens * this.model.topK : 0;
      for (let i = s0; i < s1; i++) {
        const e = ex[i]!;
        if (this.mark[e] !== stamp) {
          this.mark[e] = stamp;
          this.need[e] = 0;
          this.wmax[e] = 0;
          this.missTok[e] = 0;
          this.wtot[e] = 0;
          union[nu++] = e;
        }
        const wi = w ? w[i]! / wsum : 1 / k;
        this.wtot[e] += wi;
        const add = this.prefill ? Math.max(1, Math.round(prefillTokens * wi)) : 1;
        this.need[e] += add;
        if (this.prefill) this.countsAll[l * E + e]! += add;
        if (wi > this.wmax[e]!) this.wmax[e] = wi;
      }
      if (!this.prefill) {
        for (let i = s0; i < s1; i++) {
          this.counts[l * E + ex[i]!]! += 1;
          this.countsAll[l * E + ex[i]!]! += 1;
        }
      }
    }
    // 2. hits and in-flight loads; the rest are misses
    const misses = this.missList;
    let nm = 0;
    for (let u = 0; u < nu; u++) {
      const e = union[u]!;
      const key = l * E + e;
      const s = state[key];
      if (measuring) st.accesses++;
      if (s === RESIDENT) {
        if (measuring) st.hits++;
        this.covered(key, measuring);
        cache.touch(key);
        cache.pins[key]!++;
        this.served[e] = EXACT;
        this.addReady(key, this.need[e]!);
      } else if (s === LOADING && this.lateIsMiss(key)) {
        // A fallback policy does not wait for a prefetch still far from landing.
        this.lateMark[e] = stamp;
        if (measuring) st.misses++, st.inFlight++;
        misses[nm++] = e;
      } else if (s === LOADING) {
        if (measuring) st.late++, st.inFlight++;
        this.covered(key, measuring);
        cache.touch(key);
        cache.pins[key]!++;
        this.waiting[key] = this.need[e]!;
        this.waitCause[key] = STALL_IN_FLIGHT;
        this.served[e] = EXACT;
        this.pending++;
      } else {
        this.prefetchQueued[key] = 0; // a queued prefetch of it is now a demand
        if (measuring) st.misses++;
        misses[nm++] = e;
      }
    }
    // 3. misses: the policy decides each (prefill steps always fetch: every token needs them)
    if (nm > 0) this.serveMisses(l, misses, nm, measuring);
    // Co-activation statistics learn from this layer only after its misses were decided (causal).
    const buddies = this.s.buddies;
    if (buddies && !this.prefill) for (const tok of this.batch) buddies.observe(l, tok.ex, tok.ex[l]!, tok.ex[l + 1]!);
    this.flushReady();
    // 4. the accuracy proxy: where each token's gate mass went (summed per expert in step 1)
    if (measuring && !this.prefill) {
      const mass = st.mass;
      for (let u = 0; u < nu; u++) {
        const e = union[u]!;
        const how = this.served[e]!;
        mass[how] = mass[how]! + this.wtot[e]!;
        if (how === SUBSTITUTED && this.lowbitServed(e)) st.lowbitMass += this.wtot[e]!;
      }
    }
    // 5. prefetch for the layers ahead
    if (this.prefetching) this.issuePrefetches(l);
    this.pumpDemand();
    this.pumpPrefetch();
    if (this.tracing) this.traceQueues();
    if (this.pending === 0) this.layerDone();
  };

  private lowbitMark: Int32Array | null = null;

  /** Whether an expert still loading is handed to the miss policy rather than waited for. */
  private lateIsMiss(key: number): boolean {
    return this.fallbackOnLate && !this.prefill && key === this.prefetchKey && this.landingIn() > this.s.policy.wait_ms / 1000;
  }

  /** Seconds until the prefetch in flight lands, at its current share of the link. */
  private landingIn(): number {
    const t = this.prefetchTransfer;
    if (!t) return 0;
    void this.h2d.bytesMoved; // brings every transfer's remaining bytes up to now
    const share = this.h2d.bandwidth / Math.max(1, this.h2d.activeCount + (t.state === 'latency' ? 1 : 0));
    return (t.state === 'latency' ? this.h2d.latency : 0) + t.remaining / share;
  }
  private lowbitServed(e: number): boolean {
    return this.lowbitMark !== null && this.lowbitMark[e] === this.stamp;
  }

  private serveMisses(l: number, misses: Int32Array, nm: number, measuring: boolean): void {
    const E = this.E;
    const st = this.stats;
    // Plain fetch-on-miss looks at nothing: skip building what a deciding policy is shown.
    const decide = !this.prefill && !this.alwaysFetch;
    // Missing experts per token, for the confidence gate.
    if (decide) for (const tok of this.batch) {
      const ex = tok.ex;
      const s0 = ex[l]!;
      const s1 = ex[l + 1]!;
      let missing = 0;
      for (let i = s0; i < s1; i++) if (this.cache.state[l * E + ex[i]!] === ABSENT || this.lateMark[ex[i]!] === this.stamp) missing++;
      const h = this.entropyGate ? routingEntropyAt(tok.w, s0, s1) : 1;
      for (let i = s0; i < s1; i++) {
        const e = ex[i]!;
        if (missing > this.missTok[e]!) this.missTok[e] = missing;
        // The most confident token routing to e decides (BuddyMoE's gate is per token).
        if (this.mark2[e] !== this.stamp || h < this.entMin[e]!) this.entMin[e] = h;
        this.mark2[e] = this.stamp;
      }
    }
    const costs = this.s.costs;
    const policy = this.s.miss;
    for (let i = 0; i < nm; i++) {
      const e = misses[i]!;
      const key = l * E + e;
      const n = this.need[e]!;
      let action = FETCH;
      if (decide) {
        const m = this.miss;
        m.layer = l;
        m.expert = e;
        m.weight = this.wmax[e]!;
        m.missingInToken = this.missTok[e]!;
        m.entropy = this.entMin[e]!;
        m.tokens = n;
        m.fetchSeconds = this.lateMark[e] === this.stamp ? this.landingIn() : this.fetchEstimate();
        m.cpuSeconds = this.cpuEstimate(n);
        action = policy.decide(m, this);
      }
      if (action === FETCH && this.lateMark[e] === this.stamp) {
        // Wait for the prefetch after all.
        if (measuring) {
          st.misses--;
          st.late++;
        }
        this.covered(key, measuring);
        this.cache.touch(key);
        this.served[e] = EXACT;
        this.cache.pins[key]!++;
        this.waiting[key] = n;
        this.waitCause[key] = STALL_IN_FLIGHT;
        this.pending++;
      } else if (action === FETCH) {
        if (measuring) st.fetches++;
        this.served[e] = EXACT;
        this.cache.pins[key]!++;
        this.waiting[key] = n;
        this.waitCause[key] = STALL_MISSING;
        this.pending++;
        this.queueDemand(key);
      } else if (action === DROP) {
        if (measuring) st.drops++;
        this.served[e] = DROPPED;
      } else if (action === CPU) {
        if (measuring) st.cpuExperts++;
        this.served[e] = ON_CPU;
        this.pending++;
        this.runOnCpu(l, e, n);
      } else if (action === LOWBIT) {
        if (measuring) st.lowbit++;
        this.served[e] = SUBSTITUTED;
        (this.lowbitMark ??= new Int32Array(E))[e] = this.stamp;
        this.waiting[key] = n;
        this.pending++;
        this.queueDemand(~key);
      } else {
        const bkey = l * E + action;
        if (this.cache.state[bkey] !== RESIDENT) throw new ConfigError(`miss policy substituted expert ${action} of layer ${l}, which is not resident`);
        if (measuring) st.substitutions++;
        this.served[e] = SUBSTITUTED;
        this.cache.touch(bkey);
        this.cache.pins[bkey]!++;
        this.addReady(bkey, n);
      }
    }
  }

  // GPU jobs: gpuJobs holds, per job in submission order, its key count then its keys (the GPU
  // stream is FIFO, so jobs finish in that order). Experts ready at the gate run as one job.
  private ready!: Int32Array;
  private nReady = 0;
  private readyTime = 0;

  private addReady(key: number, tokens: number): void {
    this.ready[this.nReady++] = key;
    this.readyTime += this.s.costs.expertGpu(tokens);
  }

  private flushReady(): void {
    const n = this.nReady;
    if (n === 0) return;
    this.pending++;
    this.gpuJobs.push(n);
    for (let i = 0; i < n; i++) this.gpuJobs.push(this.ready[i]!);
    const job = !this.tracing
      ? EXPERT
      : this.detail()
        ? { label: 'experts', args: this.args(this.ready[0]!, 'resident', { experts: Array.from(this.ready.subarray(0, n), (k) => k % this.E).join('|') }) }
        : EXPERTS;
    this.gpu.submit(this.readyTime, this.onExpertDone, job);
    this.nReady = 0;
    this.readyTime = 0;
  }

  /** A loaded expert computes the running layer's tokens on the GPU. */
  private runExpert(key: number, tokens: number, decision: string): void {
    this.pending++;
    this.gpuJobs.push(1);
    this.gpuJobs.push(key);
    const job = this.detail() ? { label: 'expert', args: this.args(key, decision, { tokens }) } : EXPERT;
    this.gpu.submit(this.s.costs.expertGpu(tokens), this.onExpertDone, job);
  }

  private onExpertDone = (): void => {
    const jobs = this.gpuJobs;
    const pins = this.cache.pins;
    let freed = false;
    for (let n = jobs.shift()!; n > 0; n--) {
      const key = jobs.shift()!;
      if (--pins[key]! === 0) freed = true;
    }
    if (freed && this.demandBlocked) this.pumpDemand();
    if (this.tracing) this.traceQueues();
    this.partDone();
  };

  private partDone(): void {
    if (--this.pending === 0) this.layerDone();
  }

  private runOnCpu(l: number, e: number, n: number): void {
    const bytes = this.s.costs.activationBytes(n);
    const key = l * this.E + e;
    const back = () => {
      if (this.tracing) this.traceQueues();
      this.h2d.transfer(bytes, {
        label: 'activations',
        args: this.detail() ? this.args(key, 'cpu', {}) : undefined,
        onDone: () => {
          this.attributeIdle(STALL_CPU);
          this.partDone();
        },
      });
    };
    this.d2h.transfer(bytes, {
      label: 'activations',
      args: this.detail() ? this.args(key, 'cpu', {}) : undefined,
      onDone: () => {
        this.cpu.submit(this.s.costs.expertCpu(n), back, this.detail() ? { label: 'cpu expert', args: this.args(key, 'cpu', { tokens: n }) } : CPU_JOB);
        if (this.tracing) this.traceQueues();
      },
    });
  }

  private layerDone(): void {
    this.layer++;
    if (this.layer < this.L) this.startLayer();
    else this.gpu.submit(this.s.costs.lmHead(this.batch.length), this.stepDone, HEAD);
  }

  private stepDone = (): void => {
    const now = this.env.now;
    const st = this.stats;
    const copy = this.copyOnGpu() - this.stepCopy0;
    const stall = now - this.stepStart - (this.gpu.busyTime() - this.stepGpuBusy) + copy;
    const idle = this.stepIdle;
    idle[STALL_COPY] = copy;
    for (const tok of this.batch) {
      const req = tok.req;
      this.s.feeder.consume(tok);
      if (!req.started) {
        req.started = true;
        req.firstTokenAt = now;
        req.measured = st.measuring;
        if (st.measuring) st.ttft.add((now - req.arrival) * 1000);
      }
      if (tok.prefill) {
        if (st.measuring) st.prefillSteps++;
      } else {
        this.decodeDone++;
        req.decoded++;
        req.stall += stall;
        if (st.measuring) {
          st.tokens++;
          st.tpot.add((now - (Number.isNaN(req.lastTime) ? this.stepStart : req.lastTime)) * 1000);
          st.stall.add(stall * 1000);
          for (let c = 0; c < 4; c++) st.stallBy[c] += idle[c]!;
        }
        req.lastDone = tok;
      }
      req.lastTime = now;
    }
    if (st.measuring) {
      st.end = now;
      st.gpuBusy = this.gpu.busyTime();
      st.cpuBusy = this.cpu.busyTime();
      st.pcieBusy = this.h2d.busyTime();
      st.pcieBytes = this.h2d.bytesMoved;
      st.evictions = this.cache.evictions;
    }
    this.next();
  };

  // --- copy streams -------------------------------------------------------------------------

  /**
   * Queue lengths as timeline counters (tracing only), reported when they change. Polled after
   * every callback that may change one (2-3 million a replay), so the common case, nothing
   * changed, is three loads and a compare, not a loop over the tracks.
   */
  private seenDemand = -1;
  private seenPrefetch = -1;
  private seenCpu = -1;
  private traceQueues(): void {
    const d = this.demandQ.length;
    const p = this.prefetchQ.length;
    const c = this.cpu.queueLength;
    if (d === this.seenDemand && p === this.seenPrefetch && c === this.seenCpu) return;
    const sink = this.s.trace;
    if (!sink) return;
    const now = this.env.now;
    // In track order, as QUEUE_TRACKS lists them.
    if (d !== this.seenDemand) sink.counter(QUEUE_TRACKS[0]!, now, (this.seenDemand = d));
    if (p !== this.seenPrefetch) sink.counter(QUEUE_TRACKS[1]!, now, (this.seenPrefetch = p));
    if (c !== this.seenCpu) sink.counter(QUEUE_TRACKS[2]!, now, (this.seenCpu = c));
  }

  private queueDemand(item: number): void {
    if (this.copyQ) this.copyQ.push(item >= 0 ? this.nKeys + item : 2 * this.nKeys + ~item);
    else this.demandQ.push(item);
  }

  private queuePrefetch(key: number): void {
    (this.copyQ ?? this.prefetchQ).push(key);
  }

  /**
   * Start a demand item (a key, or ~key for a low-bit copy): 1 started, 0 nothing to move (a
   * prefetch got there first; its landing serves the waiter), -1 no slot free yet.
   */
  private startDemand(item: number): number {
    if (item < 0) {
      this.demandBusy = true;
      this.demandKey = item;
      this.moveIn(this.s.costs.lowbitBytes, this.detail() ? { label: 'lowbit', args: this.args(~item, 'lowbit', {}), onDone: this.onDemandDone } : this.lowbitOpts, false, false);
      return 1;
    }
    if (this.cache.state[item] !== ABSENT) return 0;
    this.evictedNow = false;
    if (!this.cache.reserve(item, true)) return -1;
    this.demandBlocked = false;
    this.demandBusy = true;
    this.demandKey = item;
    this.moveIn(this.model.expertBytes, this.detail() ? { label: 'fetch', args: this.args(item, 'fetch', {}), onDone: this.onDemandDone } : this.fetchOpts, this.evictedNow, false);
    return 1;
  }

  /** Start a queued prefetch unless it is stale, already there, or the eviction policy declines it. */
  private startPrefetch(key: number): void {
    if (!this.prefetchQueued[key]) return;
    this.prefetchQueued[key] = 0;
    if (this.cache.state[key] !== ABSENT) return;
    if (this.wantedPos[key]! <= this.gatePos) {
      if (this.stats.measuring) this.stats.prefetchStale++;
      return;
    }
    this.evictedNow = false;
    if (!this.cache.reserve(key, false)) {
      if (this.stats.measuring) this.stats.prefetchDeclined++;
      return;
    }
    if (this.stats.measuring) this.stats.prefetchIssued++;
    this.fromPrefetch[key] = this.stats.measuring ? 2 : 1;
    this.prefetchBusy = true;
    this.prefetchKey = key;
    this.prefetchTransfer = this.moveIn(this.model.expertBytes, this.detail() ? { label: 'prefetch', args: this.args(key, 'prefetch', {}), onDone: this.onPrefetchDone } : this.prefetchOpts, this.evictedNow, true);
  }

  private pumpDemand(): void {
    if (this.fifo) return this.pumpFifo();
    while (!this.demandBusy && this.demandQ.length > 0) {
      const r = this.startDemand(this.demandQ.peek()!);
      if (r < 0) {
        this.demandBlocked = true;
        return;
      }
      this.demandQ.shift();
    }
  }

  private pumpPrefetch(): void {
    if (this.fifo) return this.pumpFifo();
    while (!this.prefetchBusy && this.prefetchQ.length > 0) this.startPrefetch(this.prefetchQ.shift()!);
  }

  /**
   * One copy engine (copy_engine: fifo): a transfer at a time, like a DMA engine working through
   * its queue. In issue order (one queue for both kinds), or with demand_first a demand fetch goes
   * ahead of every queued prefetch (never of the one in flight); while no slot is free for the
   * head demand, prefetches behind it still go.
   */
  private pumpFifo(): void {
    const N = this.nKeys;
    while (!this.demandBusy && !this.prefetchBusy) {
      const q = this.copyQ;
      if (q) {
        if (q.length === 0) return;
        const x = q.peek()!;
        if (x < N) {
          q.shift();
          this.startPrefetch(x);
          continue;
        }
        if (this.startDemand(x < 2 * N ? x - N : ~(x - 2 * N)) < 0) {
          this.demandBlocked = true;
          return;
        }
        q.shift();
        continue;
      }
      if (this.demandQ.length > 0) {
        if (this.startDemand(this.demandQ.peek()!) >= 0) {
          this.demandQ.shift();
          continue;
        }
        this.demandBlocked = true;
      }
      if (this.prefetchQ.length === 0) return;
      this.startPrefetch(this.prefetchQ.shift()!);
    }
  }

  /**
   * Move an expert (or low-bit copy) host-to-device. Default: on the copy stream, overlapping
   * compute, with (1 - overlap) of its time also taken from the compute stream when the cost
   * model says the device overlaps only partly. copy_stream: compute issues it on the compute
   * stream instead (it waits for the GPU work ahead and blocks the work behind). A swap first
   * (`before`) or at the same time (`alongside`, the other PCIe direction) copies the evicted
   * expert back to the host, as mixtral-offloading's ExpertCache._swap does. Returns the transfer
   * if it started now.
   */
  private moveIn(bytes: number, opts: TransferOptions, swapOut: boolean, prefetch: boolean): Transfer | null {
    swapOut &&= this.s.policy.swap !== 'none';
    const onCompute = copyOnComputeStream(this.copyStream, prefetch);
    const share = onCompute ? 0 : this.overlapShare;
    if (!swapOut && !onCompute) {
      // The common case, as go() below does it without building its closures (on every fetch).
      const o = opts === this.fetchOpts ? this.fetchOptsR : opts === this.prefetchOpts ? this.prefetchOptsR : opts === this.lowbitOpts ? this.lowbitOptsR : opts;
      const t = this.h2d.transfer(bytes, o);
      if (share > 0) this.gpu.submit((share * bytes) / this.h2d.bandwidth, this.copyEnd, this.copyShareJob);
      return t;
    }
    return this.moveInStaged(bytes, opts, swapOut, prefetch, onCompute, share);
  }

  /**
   * moveIn's swaps and compute-stream copies. A method of its own: the closures here capture its
   * arguments, and V8 allocates the context they share on entry to the function that declares
   * them, so in moveIn the plain path would pay for it on every fetch.
   */
  private moveInStaged(bytes: number, opts: TransferOptions, swapOut: boolean, prefetch: boolean, onCompute: boolean, share: number): Transfer | null {
    // swap: in-order - the copy-back follows the load on the same stream (src/systems/moe/swap.ts).
    const inOrder = swapOut && this.s.policy.swap === 'in-order';
    const move = (o: TransferOptions): Transfer => (inOrder ? loadThenCopyBack(this.h2d, this.d2h, bytes, this.model.expertBytes, o) : this.h2d.transfer(bytes, o));
    const go = (): Transfer | null => {
      if (onCompute) {
        this.gpu.request().then((grant) => {
          this.copyBegin();
          const done = opts.onDone!;
          const t = move({
            ...opts,
            onDone: (x) => {
              this.gpu.release(grant, `${opts.label} (compute stream)`, opts.args);
              this.copyEnd();
              done(x);
            },
          });
          if (prefetch) this.prefetchTransfer = t;
        });
        return null;
      }
      const t = move(opts);
      if (share > 0) this.gpu.submit((share * bytes) / this.h2d.bandwidth, this.copyEnd, this.copyShareJob);
      return t;
    };
    if (!swapOut || inOrder) return go();
    const out = this.model.expertBytes;
    if (this.s.policy.swap === 'alongside') {
      this.d2h.transfer(out, { label: 'swap out' });
      return go();
    }
    this.d2h.transfer(out, {
      label: 'swap out',
      onDone: () => {
        const t = go();
        if (prefetch && t) this.prefetchTransfer = t;
      },
    });
    return null;
  }

  private onDemandDone = (): void => {
    this.demandBusy = false;
    const item = this.demandKey;
    if (item < 0) {
      const key = ~item;
      const n = this.waiting[key]!;
      this.waiting[key] = 0;
      this.attributeIdle(STALL_MISSING);
      this.pending++;
      this.gpuJobs.push(0);
      this.gpu.submit(this.s.costs.expertLowbit(n), this.onExpertDone, this.detail() ? { label: 'expert', args: this.args(key, 'lowbit', { tokens: n }) } : EXPERT);
      this.partDone();
    } else this.landed(item);
    this.pumpDemand();
    if (this.tracing) this.traceQueues();
  };

  private onPrefetchDone = (): void => {
    this.prefetchBusy = false;
    this.prefetchTransfer = null;
    this.landed(this.prefetchKey);
    if (this.demandBlocked) this.pumpDemand();
    this.pumpPrefetch();
    if (this.tracing) this.traceQueues();
  };

  /** An expert finished loading; if the running layer waits for it, compute it now. */
  private landed(key: number): void {
    this.cache.loaded(key);
    const n = this.waiting[key]!;
    if (n > 0) {
      this.waiting[key] = 0;
      this.attributeIdle(this.waitCause[key]!);
      this.pending--; // the wait becomes a GPU job
      this.runExpert(key, n, 'fetched');
    }
  }

  private covered(key: number, measuring: boolean): void {
    const from = this.fromPrefetch[key];
    if (from) {
      this.fromPrefetch[key] = 0;
      if (measuring) this.stats.prefetchCovered++;
      // Precision's numerator counts only prefetches its denominator counted (issued while measuring).
      if (measuring && from === 2) this.stats.prefetchUsed++;
    }
  }

  private onEvict(key: number): void {
    this.evictedNow = true;
    if (this.fromPrefetch[key] === 2 && this.stats.measuring) this.stats.prefetchWasted++;
    this.fromPrefetch[key] = 0;
  }

  // Compute-stream time spent on copies (copy_stream: compute, or the non-overlapped share): the
  // GPU is occupied but computes nothing of the model, so it counts as stall. One GPU unit runs
  // them one after another, but the server starts the next job before the previous one's
  // completion callback runs, so count the copies running and time the span they cover.
  private copyDone = 0;
  private copySince = 0;
  private copiesRunning = 0;
  private readonly copyShareJob: JobOptions = { label: 'copy (not overlapped)', onStart: () => this.copyBegin() };
  private copyBegin(): void {
    if (this.copiesRunning++ === 0) this.copySince = this.env.now;
  }
  private readonly copyEnd = (): void => {
    if (--this.copiesRunning === 0) this.copyDone += this.env.now - this.copySince;
  };
  private copyOnGpu(): number {
    return this.copiesRunning === 0 ? this.copyDone : this.copyDone + this.env.now - this.copySince;
  }

  /**
   * Puts the step's GPU idle time not yet accounted for down to `cause`: called where a wait ends
   * (an expert lands, CPU activations return). Every idle gap in a step ends at one of these, since
   * the GPU's own completions start the next job at once; so the causes sum to the step's stall.
   */
  private attributeIdle(cause: number): void {
    if (this.gpu.inService > 0) return;
    const idle = this.env.now - this.stepStart - (this.gpu.busyTime() - this.stepGpuBusy);
    // Idle seconds only grow; a difference below 0 is the rounding of the two clocks (-1e-14 ms
    // showed up in stall_by_cause_ms), not idle time to take back.
    if (idle <= this.stepIdleSeen) return;
    this.stepIdle[cause] += idle - this.stepIdleSeen;
    this.stepIdleSeen = idle;
  }

  /** Seconds a demand fetch issued now would take: what the demand stream holds, then this one. */
  private fetchEstimate(): number {
    const ahead = this.copyQ ? this.copyQ.length : this.demandQ.length;
    const busy = this.demandBusy || (this.fifo && this.prefetchBusy) ? 1 : 0;
    const bytes = this.model.expertBytes * (ahead + busy + 1);
    return this.h2d.latency + bytes / this.h2d.bandwidth;
  }

  private cpuEstimate(n: number): number {
    const c = this.s.costs;
    return 2 * (this.h2d.latency + c.activationBytes(n) / this.h2d.bandwidth) + c.expertCpu(n) * (1 + this.cpu.queueLength + this.cpu.inService);
  }

  // --- prefetching --------------------------------------------------------------------------

  private readonly targets: PrefetchTarget[] = [
    { step: 0, layer: 0 },
    { step: 1, layer: 0 },
  ];

  private issuePrefetches(l: number): void {
    const depth = this.s.policy.prefetch_depth;
    const E = this.E;
    for (let d = 1; d <= depth; d++) {
      const abs = l + d;
      if (abs >= 2 * this.L) break;
      const target = this.targets[abs >= this.L ? 1 : 0]!;
      target.layer = abs % this.L;
      // One array for every layer, emptied by pop: a new one per layer was most of a prefetching
      // replay's young-generation garbage, and `length = 0` is a slow runtime call in V8.
      const out = this.prefetchOut;
      while (out.length > 0) out.pop();
      this.s.prefetcher.predict(this, target, out);
      const pos = (this.seq + target.step) * this.L + target.layer;
      for (let i = 0; i < out.length; i++) {
        const e = out[i]!;
        const key = target.layer * E + e;
        // Wanted keys, resident or not, are shielded from later prefetches' evictions until then.
        if (pos > this.wantedPos[key]!) this.wantedPos[key] = pos;
        if (this.cache.state[key] !== ABSENT || this.prefetchQueued[key]) continue;
        this.prefetchQueued[key] = 1;
        this.queuePrefetch(key);
      }
    }
  }

  /** Tokens of the target step: the running batch, or each request's next buffered token. */
  private targetTokens(t: PrefetchTarget, into: TokenRec[]): TokenRec[] {
    if (t.step === 0) return this.batch;
    into.length = 0;
    for (const tok of this.batch) {
      const next = tok.req.tokens[tok.req.head + 1];
      if (next) into.push(next);
    }
    return into;
  }
  private readonly nextTokens: TokenRec[] = [];
  /** The experts a prefetcher names for one target layer (issuePrefetches). */
  private readonly prefetchOut: number[] = [];

  /** Appends ids[s, e) not yet in `out` this round (dedupeStamp). */
  private unionInto(out: number[], ids: ArrayLike<number>, s = 0, end = ids.length): void {
    const st = this.dedupeStamp;
    for (let i = s; i < end; i++) {
      const e = ids[i]!;
      if (this.dedupe[e] === st) continue;
      this.dedupe[e] = st;
      out.push(e);
    }
  }

  actual(t: PrefetchTarget, out: number[]): void {
    this.dedupeStamp++;
    for (const tok of this.targetTokens(t, this.nextTokens)) this.unionInto(out, tok.ex, tok.ex[t.layer]!, tok.ex[t.layer + 1]!);
  }

  previous(t: PrefetchTarget, out: number[]): void {
    this.dedupeStamp++;
    for (const tok of this.batch) {
      const prev = t.step === 0 ? tok.req.lastDone : tok.prefill ? null : tok;
      if (prev) this.unionInto(out, prev.ex, prev.ex[t.layer]!, prev.ex[t.layer + 1]!);
    }
  }

  predicted(t: PrefetchTarget, out: number[]): void {
    this.dedupeStamp++;
    for (const tok of this.targetTokens(t, this.nextTokens)) {
      const l = t.layer;
      if (this.s.tracePredictions) {
        const p = tok.pred;
        if (p) this.unionInto(out, p, p[l]!, p[l + 1]!);
      } else {
        const synth = (tok.synth ??= []);
        this.unionInto(out, (synth[l] ??= synthPrediction(Array.from(tok.ex.subarray(tok.ex[l]!, tok.ex[l + 1]!)), this.E, this.s.policy.predictor_accuracy, this.s.predictorRng)));
      }
    }
  }

  // --- views for policies -------------------------------------------------------------------

  resident(layer: number, expert: number): boolean {
    return this.cache.state[layer * this.E + expert] === RESIDENT;
  }

  selectedWith(expert: number, other: number): boolean {
    for (const tok of this.batch) {
      const ex = tok.ex;
      let a = false;
      let b = false;
      for (let i = ex[this.layer]!; i < ex[this.layer + 1]!; i++) {
        if (ex[i] === expert) a = true;
        if (ex[i] === other) b = true;
      }
      if (a && b) return true;
    }
    return false;
  }

  buddies(layer: number, expert: number): readonly number[] {
    return this.s.buddies ? this.s.buddies.buddies(layer, expert) : [];
  }

  /**
   * Layer executions until `key` is next needed (Infinity beyond what is buffered): the running
   * requests in parallel, then the waiting ones in arrival order after the longest of them.
   */
  nextUse(key: number): number {
    const L = this.L;
    const kl = Math.floor(key / this.E);
    const lcur = this.layer;
    let best = Infinity;
    let after = 0;
    for (const r of this.active) {
      const cur = r.base + r.head;
      const left = r.tokens.length - r.head;
      if (left > after) after = left;
      const occ = r.occ![key];
      if (!occ) continue;
      const head = r.occHead!;
      let h = head[key]!;
      while (h < occ.length && occ[h]! < cur) h++;
      head[key] = h;
      if (h < occ.length && occ[h] === cur && kl <= lcur) h++;
      if (h < occ.length) {
        const d = (occ[h]! - cur) * L + kl - lcur;
        if (d < best) best = d;
      }
    }
    if (best < Infinity) return best;
    for (const r of this.s.feeder.pending) {
      const occ = r.occ![key];
      if (occ && occ.length > 0) return (after + occ[0]! - r.base) * L + kl - lcur;
      after += r.tokens.length;
    }
    return Infinity;
  }

  private args(key: number, decision: string, extra: TraceArgs): TraceArgs {
    const tok = this.batch[0];
    return {
      request: this.batch.length === 1 && tok ? tok.req.id : `batch of ${this.batch.length}`,
      layer: Math.floor(key / this.E),
      expert: key % this.E,
      decision,
      bytes: decision === 'lowbit' ? this.s.costs.lowbitBytes : this.model.expertBytes,
      ...extra,
    };
  }
}

/**
 * BuddyMoE's token activating entropy, as this replay can see it: the Shannon entropy of the
 * token's normalised top-k gate weights over ln k (0 = one expert carries all the weight, 1 = equal
 * weights; equal when the trace has no weights). The paper computes it over the router's output;
 * a routing trace keeps only the top-k, hence this reading (an assumption).
 */
export function routingEntropy(weights: readonly number[] | undefined, k: number): number {
  if (!weights || k < 2) return k < 2 ? 0 : 1;
  return entropyOf(weights, 0, weights.length, k);
}

/** routingEntropy of a token's row whose weights are w[s, e) (TokenRec.w: null or NaN at s when it has none). */
function routingEntropyAt(w: Float64Array | null, s: number, e: number): number {
  const k = e - s;
  if (w === null || !(w[s] === w[s]) || k < 2) return k < 2 ? 0 : 1;
  return entropyOf(w, s, e, k);
}

function entropyOf(w: ArrayLike<number>, s: number, e: number, k: number): number {
  let sum = 0;
  for (let i = s; i < e; i++) sum += w[i]!;
  let h = 0;
  for (let i = s; i < e; i++) {
    const p = w[i]! / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return h / Math.log(k);
}
