/**
 * The edit serving model: N GPU workers behind a load balancer, a shared host-DRAM cache tier over
 * disk, and per worker a compute stream, a copy stream (its PCIe link) and HBM.
 *
 *   arrival -> balancer picks a worker (prefetch of the template starts) -> worker queue
 *   worker loop, per step boundary:
 *     [VAE decode of requests that just finished] -> [admit joiners: CPU join cost + text encoder]
 *     -> one denoising step of the batch (plan: per-block load or recompute, see plan.ts)
 *
 * Two executors run the same schedule. The fast one advances a step as one timer (its length from
 * the closed-form step plan); the detailed one, used when a trace sink is attached, runs every
 * block on the engine's Server (compute stream) and Link (copy stream) so the trace shows each
 * load and compute with its request, block, decision and bytes. Tests check the two agree.
 */
import type { Env } from '../../engine/env.js';
import type { Timer } from '../../engine/heap.js';
import { Link } from '../../engine/link.js';
import { fmtBytes, MemoryPool } from '../../engine/memory.js';
import { ConfigError } from '../../errors.js';
import { GPUS } from '../../hardware/gpus.js';
import { Fifo } from '../../engine/queues.js';
import { Server } from '../../engine/server.js';
import type { TraceSink } from '../../engine/trace.js';
import { RequestMetrics } from '../../metrics/requests.js';
import { fanOut, type UtilisationRecorder } from '../../metrics/recorders.js';
import type { RequestSink } from '../../metrics/request-log.js';
import type { WarmupConfig } from '../../metrics/types.js';
import type { ResolvedHardware } from '../hardware.js';
import type { EditRow } from '../../workloads/edit/row.js';
import { BatchShape, EditCosts } from './costs.js';
import { HostCache, type Template } from './host-cache.js';
import { EditMetrics } from './metrics.js';
import type { ResolvedEditModel } from './model.js';
import { StepPlanner } from './planner.js';
import { BALANCE_POLICIES, type BalancePolicy, type WorkerLoad } from './policies/balance/index.js';
import { BATCHING_POLICIES, type BatchingPolicy } from './policies/batching/index.js';
import { COMPUTE_POLICIES } from './policies/compute/index.js';
import { LOADING_POLICIES } from './policies/loading/index.js';
import { PREPARE_POLICIES, type PreparePolicy } from './policies/prepare/index.js';
import type { EditPolicy } from './types.js';

export interface EditRequest {
  readonly id: string;
  readonly template: string;
  readonly arrival: number;
  readonly maskRatio: number;
  /** Pixels over the model's. */
  readonly rho: number;
  readonly steps: number;
  /** Computed share of the token-wise layers when the cache is used: the mask ratio. */
  readonly w: number;
  readonly tpl: Template | null;
  worker: number;
  stepsDone: number;
  /** Admission into a batch (queueing ends). */
  start: number;
  end: number;
  /** Its last denoising step ended (the VAE decode follows). */
  denoiseEnd: number;
  loadSeconds: number;
  bubbleSeconds: number;
  /** Template fully in host memory at arrival. */
  hit: boolean;
  /** This step uses the cache (its chunk was in host memory when the step was planned). */
  cachedStep: boolean;
  predicted: number;
  predictedLeft: number;
  memBytes: number;
  /** When its CPU preparation is done and it may join (its dispatch time when preparation is inline). */
  prepared: number;
}

/** Observation points for tests and tools (all optional). */
export interface EditHooks {
  /** The balancer chose `chosen`; `loads` are the workers as it saw them. */
  onDispatch?(req: EditRequest, chosen: number, loads: readonly WorkerLoad[], predictedSeconds: number): void;
  onComplete?(req: EditRequest): void;
  onStep?(worker: number, start: number, batch: readonly EditRequest[], stepSeconds: number): void;
}

class Worker implements WorkerLoad {
  outstanding = 0;
  backlogSeconds = 0;
  assignedSeconds = 0;
  readonly queue = new Fifo<EditRequest>();
  batch: EditRequest[] = [];
  busy = false;
  /** The preparation thread is free from then on (overlapped preparation). */
  cpuFree = 0;
  /** An idle worker's wake-up for its queue head's preparation to end. */
  wake: Timer | null = null;
  readonly shape = new BatchShape();
  readonly lastShape = new BatchShape().clear();
  hasLast = false;
  // The last step's plan, reused while the batch shape repeats.
  stepTime = 0;
  stepCompute = 0;
  stepLoad = 0;
  stepLoaded = 0;
  computeBusy = 0;
  loadBusy = 0;
  /** The current run of identical steps: first step start, steps planned, steps accounted. */
  runStart = 0;
  runSteps = 0;
  runApplied = 0;
  timer: Timer | null = null;
  /** The batch's shape cannot change before someone joins or leaves. */
  stable = false;
  /** Bound once: the fast executor's step-end timer callback. */
  onStepEnd: () => void = () => {};
  readonly computeTrack: BusyCoalescer;
  readonly pcieTrack: BusyCoalescer;
  constructor(
    readonly index: number,
    readonly hbm: MemoryPool,
    readonly compute: Server,
    readonly cpu: Server,
    readonly pcie: Link,
    util: UtilisationRecorder,
  ) {
    this.computeTrack = new BusyCoalescer(util, `gpu${index}`);
    this.pcieTrack = new BusyCoalescer(util, `gpu${index} pcie`);
  }
}

/**
 * Fast-mode utilisation: busy intervals of one track merged until they span a thousandth of the
 * run so far (bins are at least a 200th of it), then reported as one slice holding their busy
 * time. Keeps the recorder off the per-step hot path without visibly moving busy time across bins.
 */
class BusyCoalescer {
  private start = 0;
  private busy = 0;
  constructor(
    private readonly util: UtilisationRecorder,
    private readonly track: string,
  ) {}

  add(start: number, end: number): void {
    if (!(end > start)) return;
    if (this.busy > 0 && end - this.start > Math.max(end, 1e-3) / 1000) this.flush();
    if (this.busy === 0) this.start = start;
    this.busy += end - start;
  }

  flush(): void {
    if (this.busy > 0) this.util.slice(this.track, 'busy', this.start, this.start + this.busy);
    this.busy = 0;
  }
}

export interface EditSimOptions {
  env: Env;
  hardware: ResolvedHardware;
  model: ResolvedEditModel;
  policy: EditPolicy;
  warmup: WarmupConfig;
  trace?: TraceSink;
  utilisation: UtilisationRecorder;
  hooks?: EditHooks;
  /** Per-request records (requests.csv). */
  requests?: RequestSink;
}

/** requests.csv columns of an edit run, after the common ones (EditSim.complete() fills them). */
export const EDIT_REQUEST_COLUMNS = ['prepare_ms', 'load_ms', 'bubble_ms', 'denoise_ms', 'decode_ms', 'steps', 'worker', 'cache_hit'] as const;

export class EditSim {
  readonly requests: RequestMetrics;
  readonly edit = new EditMetrics();
  readonly workers: Worker[];
  readonly hostCache: HostCache | null;
  readonly disk: Link;
  readonly costs: EditCosts;
  readonly planner: StepPlanner;
  private readonly balance: BalancePolicy;
  private readonly batching: BatchingPolicy;
  private readonly prepare: PreparePolicy;
  readonly usesCache: boolean;
  private readonly detailed: boolean;
  private readonly joinSeconds: number;
  private readonly env: Env;
  private readonly model: ResolvedEditModel;
  private readonly util: UtilisationRecorder;
  private readonly hooks?: EditHooks;
  private readonly log?: RequestSink;
  private readonly policy: EditPolicy;
  /** The caller's trace sink (detailed mode only): gets each worker's queue length. */
  private readonly trace?: TraceSink;
  /** env.stop() once this many events have run, so the caller can yield to the event loop. */
  yieldAt = Infinity;

  constructor(o: EditSimOptions) {
    const { env, hardware: hw, model, policy } = o;
    this.env = env;
    this.model = model;
    this.policy = policy;
    this.util = o.utilisation;
    this.hooks = o.hooks;
    this.log = o.requests;
    this.requests = new RequestMetrics(o.warmup);
    this.usesCache = COMPUTE_POLICIES[policy.compute]().usesCache;
    this.balance = BALANCE_POLICIES[policy.balance]();
    this.batching = BATCHING_POLICIES[policy.batching]();
    this.prepare = PREPARE_POLICIES[policy.prepare]();
    this.costs = new EditCosts(model, hw.gpuCost, hw.pcie, hw.gpu);
    this.planner = new StepPlanner(this.costs, LOADING_POLICIES[policy.loading]());
    this.detailed = o.trace !== undefined;
    this.trace = o.trace;
    this.joinSeconds = policy.join_cpu_ms / 1000;
    // Resources report to the caller's trace and to the utilisation recorder; in fast mode the
    // worker loop reports its own busy intervals instead (no per-block slices exist).
    const sink = o.trace ? fanOut([o.trace, o.utilisation]) : undefined;
    const now = () => env.now;
    const hostCacheBytes = checkEditFits(model, policy, hw);
    this.disk = new Link(env, 'disk', { bandwidth: hw.disk.bandwidth, latency: hw.disk.latency, trace: fanOut([o.trace, o.utilisation]) });
    this.workers = Array.from({ length: hw.gpus }, (_, i) => {
      const hbm = new MemoryPool(`gpu${i} hbm`, hw.gpu.memoryBytes, { trace: o.trace, now });
      hbm.alloc('weights', model.weightsBytes);
      return new Worker(
        i,
        hbm,
        new Server(env, `gpu${i}`, { trace: sink }),
        new Server(env, `gpu${i} cpu`, { trace: sink }),
        new Link(env, `gpu${i} pcie`, { bandwidth: hw.pcie.bandwidth, latency: hw.pcie.latency, trace: sink }),
        o.utilisation,
      );
    });
    for (const w of this.workers) w.onStepEnd = () => this.stepEnd(w);
    if (this.usesCache) {
      const pool = new MemoryPool('host cache', hostCacheBytes, { trace: o.trace, now });
      this.hostCache = new HostCache(env, pool, this.disk, policy.host_cache === 'warm');
    } else {
      this.hostCache = null;
    }
  }

  /** GPU memory one request holds while in a batch: workspace plus one step of its loaded cache. */
  memoryFor(rho: number, maskRatio: number): number {
    const cache = this.usesCache ? this.model.cacheBytesPerStep * rho * this.model.loadShare(maskRatio) : 0;
    return this.model.workspaceBytes * rho + cache;
  }

  // --- arrivals and dispatch ------------------------------------------------------------------

  arrive(row: EditRow): void {
    const m = this.model;
    const rho = row.width !== undefined && row.height !== undefined ? (row.width * row.height) / m.pixels : 1;
    const steps = row.steps ?? m.steps;
    const tpl = this.hostCache ? this.hostCache.acquire(row.template, m.cacheBytesPerStep * rho, steps, this.policy.prefetch) : null;
    const r: EditRequest = {
      id: row.request,
      template: row.template,
      arrival: this.env.now,
      maskRatio: row.maskRatio,
      rho,
      steps,
      w: row.maskRatio,
      tpl,
      worker: -1,
      stepsDone: 0,
      start: NaN,
      end: NaN,
      denoiseEnd: NaN,
      loadSeconds: 0,
      bubbleSeconds: 0,
      hit: tpl !== null && tpl.ready >= tpl.chunks,
      cachedStep: false,
      predicted: 0,
      predictedLeft: 0,
      memBytes: 0,
      prepared: this.env.now,
    };
    this.requests.onArrive();
    const solo = r.hit ? this.planner.soloStepSeconds(rho, r.w, this.model.loadShare(r.maskRatio)) : this.planner.soloStepSeconds(rho, 1, 0);
    r.predicted = r.predictedLeft = this.joinSeconds + this.costs.textEncoderSeconds(1) + steps * solo + this.costs.vaeSeconds(rho);
    for (const x of this.workers) this.settleRun(x);
    const wi = this.balance.pick(this.workers, r.predicted);
    this.hooks?.onDispatch?.(r, wi, this.workers, r.predicted);
    const w = this.workers[wi]!;
    r.worker = wi;
    const prepared = this.prepare.preparedAt(this.env.now, w.cpuFree, this.joinSeconds);
    if (prepared !== null) {
      r.prepared = w.cpuFree = prepared;
      if (this.detailed && this.joinSeconds > 0) w.cpu.submit(this.joinSeconds, () => {}, { label: 'prepare', args: { request: r.id } });
    }
    w.outstanding++;
    w.backlogSeconds += r.predicted;
    w.assignedSeconds += r.predicted;
    w.queue.push(r);
    this.queueChanged(w);
    if (!w.busy) this.boundary(w);
    else this.cutRun(w);
  }

  /** Requests waiting for a worker's batch (a counter track `gpuN queue` in timelines). */
  private queueChanged(w: Worker): void {
    this.trace?.counter(`gpu${w.index} queue`, this.env.now, w.queue.length);
  }

  // --- the worker loop ------------------------------------------------------------------------

  /**
   * A step boundary on an idle worker: admit joiners, then run the next step (or go idle). In fast
   * mode the worker runs as many identical steps as it can under one timer: up to the next leave,
   * unless a queued request could join sooner (then one step). settleRun() applies the steps done
   * so far whenever someone looks (a dispatch), and cutRun() shortens the run to the next step
   * boundary when an arriving request could join there.
   */
  private boundary(w: Worker): void {
    const now = this.env.now;
    let joiners = 0;
    const max = this.policy.max_batch;
    const admit = this.batching.admit(w.batch.length, w.queue.length, max);
    while (joiners < admit && w.queue.length > 0) {
      const r = w.queue.peek()!;
      if (r.prepared > now) break; // still being prepared beside the running steps
      const need = this.memoryFor(r.rho, r.maskRatio);
      if (!w.hbm.tryAlloc(r.id, need)) {
        if (w.batch.length > 0) break; // wait for the batch to free memory
        w.queue.shift();
        this.queueChanged(w);
        this.reject(w, r, 'gpu-memory');
        continue;
      }
      w.queue.shift();
      this.queueChanged(w);
      r.memBytes = need;
      r.start = now;
      if (r.tpl && !this.policy.prefetch) this.hostCache!.ensure(r.tpl);
      w.batch.push(r);
      joiners++;
    }
    if (w.batch.length === 0) {
      w.busy = false;
      const head = w.queue.peek();
      if (head !== undefined && head.prepared > now) this.wakeAt(w, head.prepared);
      return;
    }
    w.busy = true;
    const cpu = this.prepare.inlineSeconds(joiners, this.joinSeconds);
    const te = this.costs.textEncoderSeconds(joiners);
    this.planStep(w);
    w.computeBusy += te;
    w.runStart = now + cpu + te;
    w.runApplied = 0;
    if (this.detailed) {
      w.runSteps = 1;
      this.runDetailed(w, cpu, te, joiners);
      return;
    }
    w.computeTrack.add(now + cpu, now + cpu + te);
    let steps = 1;
    const head = w.queue.peek();
    const joinable = head !== undefined && this.batching.admit(w.batch.length, w.queue.length, max) > 0;
    if (w.stable && (!joinable || head!.prepared > w.runStart + w.stepTime)) {
      steps = Infinity;
      for (const r of w.batch) steps = Math.min(steps, r.steps - r.stepsDone);
      // A queued request still in preparation joins at the first boundary after it is ready.
      if (joinable) steps = Math.min(steps, Math.ceil((head!.prepared - w.runStart) / w.stepTime));
    }
    w.runSteps = steps;
    w.timer = this.env.schedule(cpu + te + steps * w.stepTime, w.onStepEnd);
  }

  /** Run the boundary of an idle worker at `t` (its queue head's preparation ends then). */
  private wakeAt(w: Worker, t: number): void {
    if (w.wake !== null) this.env.cancel(w.wake);
    w.wake = this.env.at(t, () => {
      w.wake = null;
      if (!w.busy) this.boundary(w);
    });
  }

  /** Shape of the batch this step (a request whose chunk is not in host yet recomputes) and its plan. */
  private planStep(w: Worker): void {
    const s = w.shape.clear();
    let stable = true;
    for (const r of w.batch) {
      r.cachedStep = r.tpl !== null && r.tpl.ready > r.stepsDone;
      if (r.cachedStep) s.add(r.rho, r.w, this.model.loadShare(r.maskRatio));
      else s.add(r.rho, 1, 0);
      // The shape stays put while every template is fully resident (pinned ones are never
      // evicted) or there is no cache at all; a streaming template changes it step by step.
      if (r.tpl !== null && (r.tpl.ready < r.tpl.chunks || r.steps > r.tpl.chunks) && !r.tpl.uncacheable) stable = false;
    }
    w.stable = stable;
    // The detailed executor reads the planner's per-block arrays, so it always plans afresh.
    if (!this.detailed && w.hasLast && s.equals(w.lastShape)) return;
    const t = this.planner.plan(s);
    w.stepTime = t.time;
    w.stepCompute = t.compute;
    w.stepLoad = t.load;
    w.stepLoaded = this.planner.loaded;
    w.lastShape.copyFrom(s);
    w.hasLast = true;
  }

  /** Account `n` steps of the current run (per-request time shares, busy time, batch samples). */
  private applySteps(w: Worker, n: number): void {
    if (n <= 0) return;
    const bubble = w.stepTime - w.stepCompute;
    const U = w.shape.U;
    const B = w.batch.length;
    for (const r of w.batch) {
      if (r.cachedStep && U > 0) r.loadSeconds += (n * w.stepLoad * r.rho * this.model.loadShare(r.maskRatio)) / U;
      r.bubbleSeconds += n * bubble;
      r.stepsDone += n;
      const dec = (n * r.predicted) / r.steps;
      r.predictedLeft -= dec;
      w.backlogSeconds -= dec;
    }
    w.computeBusy += n * w.stepCompute;
    w.loadBusy += n * w.stepLoad;
    const recomputed = this.usesCache && U > 0 ? this.model.k - w.stepLoaded : 0;
    for (let i = w.runApplied; i < w.runApplied + n; i++) {
      const t = w.runStart + i * w.stepTime;
      this.edit.onStep(t, B, w.stepLoaded, recomputed);
      this.hooks?.onStep?.(w.index, t, w.batch, w.stepTime);
      if (!this.detailed) {
        w.computeTrack.add(t, t + w.stepCompute);
        w.pcieTrack.add(t, t + w.stepLoad);
      }
    }
    w.runApplied += n;
  }

  /** Apply the steps of the current run that have finished by now. */
  private settleRun(w: Worker): void {
    if (!w.busy || w.runApplied >= w.runSteps || this.detailed) return;
    const done = Math.min(w.runSteps - 1, Math.floor((this.env.now - w.runStart) / w.stepTime));
    this.applySteps(w, done - w.runApplied);
  }

  /** A request was queued on a busy worker: if it may join at the next step boundary, end the run there. */
  private cutRun(w: Worker): void {
    if (this.detailed || !w.busy || w.runSteps <= 1 || w.timer === null) return;
    if (this.batching.admit(w.batch.length, w.queue.length, this.policy.max_batch) === 0) return;
    const ready = Math.max(this.env.now, w.queue.peek()!.prepared);
    const next = Math.max(1, Math.floor((this.env.now - w.runStart) / w.stepTime) + 1, Math.ceil((ready - w.runStart) / w.stepTime));
    if (next >= w.runSteps) return;
    this.env.cancel(w.timer);
    w.runSteps = next;
    w.timer = this.env.at(w.runStart + next * w.stepTime, w.onStepEnd);
  }

  private stepEnd(w: Worker): void {
    if (this.env.eventsProcessed >= this.yieldAt) this.env.stop();
    w.timer = null;
    this.applySteps(w, w.runSteps - w.runApplied);
    let leaving = 0;
    let rhoOut = 0;
    for (const r of w.batch) {
      if (r.stepsDone >= r.steps) {
        leaving++;
        rhoOut += r.rho;
      }
    }
    if (leaving === 0) {
      w.busy = false;
      this.boundary(w);
      return;
    }
    const out = w.batch.filter((r) => r.stepsDone >= r.steps);
    for (const r of out) r.denoiseEnd = this.env.now;
    w.batch = w.batch.filter((r) => r.stepsDone < r.steps);
    const vae = this.costs.vaeSeconds(rhoOut);
    w.computeBusy += vae;
    const finish = () => {
      for (const r of out) this.complete(w, r);
      w.busy = false;
      this.boundary(w);
    };
    if (this.detailed) {
      w.compute.submit(vae, finish, { label: 'vae', args: { request: out.map((r) => r.id).join('|') } });
    } else {
      w.computeTrack.add(this.env.now, this.env.now + vae);
      this.env.schedule(vae, finish);
    }
  }

  private complete(w: Worker, r: EditRequest): void {
    const now = this.env.now;
    r.end = now;
    w.hbm.release(r.id);
    this.settle(w, r);
    if (r.tpl) this.hostCache!.release(r.tpl);
    const counted = this.requests.onComplete(r.arrival, r.start, now);
    if (counted) this.edit.onMeasured(r.loadSeconds, r.bubbleSeconds, this.usesCache, r.hit);
    // Same order as EDIT_REQUEST_COLUMNS. Preparation: until its CPU join work is done (0 when inline).
    this.log?.add({
      id: r.id,
      arrival: r.arrival,
      start: r.start,
      finish: now,
      warmup: !counted,
      extra: [
        (r.prepared - r.arrival) * 1000,
        r.loadSeconds * 1000,
        r.bubbleSeconds * 1000,
        (r.denoiseEnd - r.start) * 1000,
        (now - r.denoiseEnd) * 1000,
        r.steps,
        r.worker,
        this.usesCache && r.hit ? 1 : 0,
      ],
    });
    this.hooks?.onComplete?.(r);
  }

  private reject(w: Worker, r: EditRequest, reason: string): void {
    this.settle(w, r);
    if (r.tpl) this.hostCache!.release(r.tpl);
    this.requests.onReject(reason);
  }

  /** Take a finished or rejected request off its worker's books. */
  private settle(w: Worker, r: EditRequest): void {
    w.outstanding--;
    w.backlogSeconds -= r.predictedLeft;
    w.assignedSeconds -= r.predicted;
    r.predictedLeft = 0;
    if (w.outstanding === 0 || w.backlogSeconds < 0) w.backlogSeconds = 0;
    if (w.outstanding === 0 || w.assignedSeconds < 0) w.assignedSeconds = 0;
  }

  // --- detailed executor ----------------------------------------------------------------------

  /** The same step on engine resources: CPU join work, text encoder, then block by block. */
  private runDetailed(w: Worker, cpu: number, te: number, joiners: number): void {
    const { c, f, bytes, load: d } = this.planner.blocks();
    const k = d.length;
    const overlapped = this.planner.loading.overlapped;
    const ids = w.batch.map((r) => r.id).join('|');
    const joined = w.batch.slice(w.batch.length - joiners).map((r) => r.id).join('|');
    // Host time (`model.host`): the serial part first (the GPU idle), then the blocks; overlapped,
    // the step ends no earlier than the host's issue of it, serial, the issue precedes the blocks.
    const host = this.model.host;
    const hs = host ? this.planner.host.serial + (host.overlap === 'serial' ? this.planner.host.issue : 0) : 0;
    const hi = host && host.overlap === 'overlapped' ? this.planner.host.issue : 0;
    let blocksStart = 0;
    const done = () => {
      const wait = blocksStart + hi - this.env.now;
      if (wait > 0) this.env.schedule(wait, () => this.stepEnd(w));
      else this.stepEnd(w);
    };
    const args = (b: number) => ({ request: ids, block: b, decision: d[b] ? 'load' : 'recompute', bytes: d[b] ? bytes[b] : 0 });
    // The link prices a load as latency + bytes / bandwidth, as the plan's l[b] does.
    const load = (b: number, then: () => void) => {
      w.pcie.transfer(bytes[b]!, { label: 'load', args: args(b), onDone: then });
    };
    const computeBlock = (b: number, then: () => void) => w.compute.submit(d[b] ? c[b]! : f[b]!, then, { label: 'block', args: args(b) });
    const blocks = () => {
      if (hs > 0) {
        this.env.schedule(hs, runBlocks);
        return;
      }
      runBlocks();
    };
    const runBlocks = () => {
      blocksStart = this.env.now;
      if (!overlapped) {
        const next = (b: number): void => {
          if (b === k) return done();
          if (d[b]) load(b, () => computeBlock(b, () => next(b + 1)));
          else computeBlock(b, () => next(b + 1));
        };
        next(0);
        return;
      }
      const loaded = new Uint8Array(k);
      let waiting = -1;
      const loadFrom = (b: number): void => {
        while (b < k && !d[b]) b++;
        if (b === k) return;
        load(b, () => {
          loaded[b] = 1;
          loadFrom(b + 1);
          if (waiting === b) {
            waiting = -1;
            run(b);
          }
        });
      };
      const run = (b: number): void => {
        if (b === k) return done();
        if (d[b] && !loaded[b]) {
          waiting = b;
          return;
        }
        computeBlock(b, () => run(b + 1));
      };
      loadFrom(0);
      run(0);
    };
    const encode = () => (te > 0 ? w.compute.submit(te, blocks, { label: 'text_encoder', args: { request: joined } }) : blocks());
    if (cpu > 0) w.cpu.submit(cpu, encode, { label: 'join', args: { request: joined } });
    else encode();
  }

  /** Busy fraction per resource over time, for the report. */
  utilisationRows(): Array<{ t_s: number; resource: string; busy: number }> {
    for (const w of this.workers) {
      w.computeTrack.flush();
      w.pcieTrack.flush();
    }
    return this.util.rows();
  }
}

/**
 * What must hold before an edit run: a lone request at the model's resolution with no mask fits
 * beside the weights, the host cache fits in host memory, and one template fits in the host cache.
 * Returns the host cache's bytes.
 */
export function checkEditFits(model: ResolvedEditModel, policy: EditPolicy, hw: ResolvedHardware): number {
  const usesCache = COMPUTE_POLICIES[policy.compute]().usesCache;
  const measuredOn = model.measuredGpu !== undefined ? GPUS[model.measuredGpu] : undefined;
  if (measuredOn && measuredOn.name !== hw.gpu.name) {
    throw new ConfigError(`this published calibration was measured on ${measuredOn.name}; this scenario's GPU is ${hw.gpu.name}`, { field: ['model.measured', 'hardware.gpu'] });
  }
  const capacity = hw.gpu.memoryBytes;
  const one = model.workspaceBytes + (usesCache ? model.cacheBytesPerStep : 0);
  if (model.weightsBytes + one > capacity) {
    throw new ConfigError(
      `${model.name} does not fit on ${hw.gpu.name}: weights ${fmtBytes(model.weightsBytes)} + one request ${fmtBytes(one)} ` +
        `(workspace${usesCache ? ' + one step of cached activations' : ''}) > ${fmtBytes(capacity)}`,
      { field: ['hardware.memory_gib', 'model.width', 'model.height', 'hardware.gpu', 'model.preset'] },
    );
  }
  const hostCacheBytes = (policy.host_cache_gib ?? (0.75 * hw.host.memoryBytes) / 2 ** 30) * 2 ** 30;
  if (usesCache && hostCacheBytes > hw.host.memoryBytes) {
    throw new ConfigError(
      `policy.host_cache_gib ${policy.host_cache_gib} is larger than the memory of ${hw.host.name} (${fmtBytes(hw.host.memoryBytes)})`,
      { field: 'policy.host_cache_gib' },
    );
  }
  const tpl = model.cacheBytesPerStep * model.steps;
  if (usesCache && tpl > hostCacheBytes) {
    throw new ConfigError(
      `host cache of ${fmtBytes(hostCacheBytes)} cannot hold one ${model.name} template (${fmtBytes(tpl)}: ${model.steps} steps x ${fmtBytes(model.cacheBytesPerStep)}); raise policy.host_cache_gib or use compute: full`,
      { field: 'policy.host_cache_gib' },
    );
  }
  return hostCacheBytes;
}
