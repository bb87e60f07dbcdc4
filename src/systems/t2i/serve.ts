/**
 * The serving loop of the t2i system, as plain callbacks on the engine (a 550k-request trace must
 * replay in seconds). One request on a worker:
 *
 *   unpatch LoRAs the request does not use (keep mode) -> text encoder          (serving GPU)
 *   ControlNets: store -> host -> the GPU that runs them (cache hits skip hops)  (links)
 *   LoRAs: store -> host -> GPU, PEFT setup (sync), patch (merged policies)      (links, host, GPU)
 *   denoise: N steps, ControlNets serial / parallel / stale (placement policy)   (GPUs, interconnect)
 *   VAE decode -> done; unpatch (always mode) before the worker takes the next request
 *
 * Denoising starts when the text encoder, the ControlNets and (unless the application policy
 * defers it) the LoRAs are ready. A deferred LoRA is loaded and patched on the side; the step
 * timeline is computed once its ready time is known, which is exact because steps before the
 * gate do not depend on it.
 */
import type { Env } from '../../engine/env.js';
import type { TraceArgs, TraceSink } from '../../engine/trace.js';
import type { TraceLanes } from '../../metrics/lanes.js';
import type { RequestSink } from '../../metrics/request-log.js';
import type { ResolvedHardware } from '../hardware.js';
import { mixKey, type T2iRow } from '../../workloads/t2i/row.js';
import type { AdapterCache } from './cache.js';
import type { SizeCosts, T2iCosts } from './costs.js';
import type { T2iMetrics } from './metrics.js';
import type { T2iPolicyConfig } from './schemas.js';
import type { Tiers } from './tiers.js';
import type { AssignmentPolicy, ControlNetPlacement, DenoiseInput, DenoiseResult, LoraApplication } from './types.js';
import type { Worker } from './worker.js';

export interface Job {
  row: T2iRow;
  worker: Worker<Job>;
  size: SizeCosts;
  steps: number;
  start: number;
  teEnd: number;
  /** Last ControlNet resident on its GPU. */
  cnReady: number;
  /** LoRAs ready (loaded, set up, patched); NaN until known. */
  loraReady: number;
  denoiseStart: number;
  /** Things denoising still waits for. */
  waiting: number;
  /** LoRAs this request loads (not already patched in); each pinned in the worker's LoRA cache. */
  newLoras: string[];
  cnGpu: number[];
  loraLoad: number;
  loraPatch: number;
  loraWait: number;
}

export interface ServeContext {
  env: Env;
  hw: ResolvedHardware;
  costs: T2iCosts;
  policy: T2iPolicyConfig;
  app: LoraApplication;
  placement: ControlNetPlacement;
  assign: AssignmentPolicy;
  workers: Worker<Job>[];
  tiers: Tiers;
  loraHost: AdapterCache;
  controlnetHost: AdapterCache;
  metrics: T2iMetrics;
  sink?: TraceSink;
  /** Host CPU lanes for timelines (PEFT setup). */
  hostCpu?: TraceLanes;
  /** A timeline is recorded: slices carry their policy decisions. */
  tracing?: boolean;
  /** Per-request records (requests.csv). */
  requests?: RequestSink;
}

/** requests.csv columns of a t2i run, after the common ones (T2iServer.complete() fills them). */
export const T2I_REQUEST_COLUMNS = [
  'setup_ms',
  'lora_load_ms',
  'lora_patch_ms',
  'lora_wait_ms',
  'denoise_ms',
  'decode_ms',
  'steps',
  'loras',
  'controlnets',
  'steps_without_lora',
  'stale_steps',
  'worker',
] as const;

export class T2iServer {
  interconnectBytes = 0;
  readonly rejectedByReason: Record<string, number> = {};
  private readonly x: ServeContext;

  constructor(ctx: ServeContext) {
    this.x = ctx;
  }

  arrive(row: T2iRow): void {
    const { costs, metrics, workers } = this.x;
    metrics.requests.onArrive();
    if (row.model !== undefined && row.model !== costs.preset.name) return this.reject('model_mismatch');
    const w = row.width ?? costs.width;
    const h = row.height ?? costs.height;
    if (w * h > costs.maxPixels) return this.reject('above_max_pixels');
    const worker = workers[this.x.assign.choose(row.loras, workers)]!;
    const job: Job = {
      row,
      worker,
      size: costs.at(w, h),
      steps: row.steps ?? costs.steps,
      start: NaN,
      teEnd: NaN,
      cnReady: 0,
      loraReady: NaN,
      denoiseStart: NaN,
      waiting: 0,
      newLoras: [],
      cnGpu: [],
      loraLoad: 0,
      loraPatch: 0,
      loraWait: 0,
    };
    worker.queue.push(job);
    this.queueChanged(worker);
    if (!worker.running) this.startNext(worker);
  }

  private reject(reason: string): void {
    this.x.metrics.requests.onReject(reason);
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + 1;
  }

  private startNext(w: Worker<Job>): void {
    if (w.running) return;
    const job = w.queue.shift();
    if (!job) return;
    this.queueChanged(w);
    w.running = job;
    this.begin(w, job);
  }

  private begin(w: Worker<Job>, job: Job): void {
    const { env, app, costs, tiers, metrics } = this.x;
    const now = env.now;
    job.start = now;
    job.waiting = 1; // guard: released at the end of begin()
    const loras = job.row.loras;

    // Unpatch what the previous request left merged and this one does not use (keep mode).
    let gpuAt = now;
    if (w.patched.size > 0) {
      for (const id of [...w.patched]) {
        if (loras.includes(id)) continue;
        w.patched.delete(id);
        w.loraCache.unpin(id);
        gpuAt += costs.patchSeconds;
      }
      job.loraPatch += gpuAt - now;
      this.slice(w.track, 'unpatch', now, gpuAt, job);
    }
    job.teEnd = gpuAt + job.size.textEncoder;
    w.busy += job.teEnd - now;
    this.slice(w.track, 'text_encoder', gpuAt, job.teEnd, job);
    job.waiting++;
    env.schedule(job.teEnd - now, () => this.ready(job));

    // ControlNets onto the GPUs that run them.
    const cns = job.row.controlnets;
    job.cnGpu = this.placeControlNets(w, cns);
    for (let i = 0; i < cns.length; i++) {
      const g = w.controlnetGpus[job.cnGpu[i]!]!;
      job.waiting++;
      tiers.toGpu(this.x.controlnetHost, g.cache, g.pcie, cns[i]!, costs.controlnetBytes, `controlnet ${cns[i]}`, (src) => {
        metrics.controlnetSources[src]++;
        if (env.now > job.cnReady) job.cnReady = env.now;
        this.ready(job);
      });
    }

    // LoRAs: those already merged in are free; the rest load.
    for (const id of loras) {
      if (app.merged && w.patched.has(id)) metrics.loraSources.patched++;
      else job.newLoras.push(id);
    }
    if (job.newLoras.length === 0) job.loraReady = now;
    else if (app.deferUntilStep === null) {
      job.waiting++;
      this.loadLoras(w, job, () => {
        if (!app.merged) {
          job.loraReady = env.now;
          this.ready(job);
          return;
        }
        // Patches run on the serving GPU after the text encoder.
        const from = Math.max(env.now, job.teEnd);
        const d = costs.patchSecondsFor(job.newLoras.length, this.x.policy.fuse_adapters);
        job.loraPatch += d;
        w.busy += d;
        this.slice(w.track, 'patch', from, from + d, job, () => ({ loras: job.newLoras.join('|') }));
        job.loraReady = from + d;
        env.schedule(from + d - env.now, () => this.ready(job));
      });
    } else {
      this.loadLoras(w, job, () => {
        // Loaded while denoising runs. The in-place patch is GPU work: it runs between two steps,
        // at the first step boundary after the load and no later than step K (the gate).
        job.loraPatch += costs.patchSecondsFor(job.newLoras.length, this.x.policy.fuse_adapters);
        job.loraReady = env.now;
        if (!Number.isNaN(job.denoiseStart)) this.denoise(job);
      });
    }
    this.ready(job);
  }

  /** Which of the worker's ControlNet GPUs runs each ControlNet: one holding it if that keeps the split even, else the least used. */
  private placeControlNets(w: Worker<Job>, cns: readonly string[]): number[] {
    const m = w.controlnetGpus.length;
    if (m === 1 || cns.length === 0) return cns.map(() => 0);
    const cap = Math.ceil(cns.length / m);
    const used = new Array<number>(m).fill(0);
    return cns.map((id) => {
      let pick = -1;
      for (let j = 0; j < m; j++) if (used[j]! < cap && w.controlnetGpus[j]!.cache.holds(id)) pick = pick < 0 ? j : pick;
      if (pick < 0) for (let j = 0; j < m; j++) if (pick < 0 || used[j]! < used[pick]!) pick = j;
      used[pick]!++;
      return pick;
    });
  }

  /** Bring the request's new LoRAs onto the GPU (one after another for sync), with PEFT setup; then `done`. */
  private loadLoras(w: Worker<Job>, job: Job, done: () => void): void {
    const { env, app, tiers, costs, metrics } = this.x;
    const ids = job.newLoras;
    const fetch = (id: string, then: () => void) =>
      tiers.toGpu(this.x.loraHost, w.loraCache, w.pcie, id, costs.loraBytes, `lora ${id}`, (src) => {
        metrics.loraSources[src]++;
        then();
      });
    const finish = () => {
      job.loraLoad = env.now - job.start;
      done();
    };
    if (app.sequentialLoads) {
      const next = (i: number) => {
        if (i === ids.length) return finish();
        fetch(ids[i]!, () => {
          const setup = this.setupSeconds(i);
          if (!(setup > 0)) return next(i + 1);
          this.x.hostCpu?.slice('lora setup', env.now, env.now + setup, { request: job.row.request, adapter: ids[i]! });
          env.schedule(setup, () => next(i + 1));
        });
      };
      next(0);
    } else {
      let left = ids.length;
      let setup = 0;
      for (let i = 0; i < ids.length; i++) setup += this.setupSeconds(i);
      for (const id of ids) {
        fetch(id, () => {
          if (--left > 0) return;
          if (!(setup > 0)) return finish();
          this.x.hostCpu?.slice('lora setup', env.now, env.now + setup, { request: job.row.request, adapter: ids.join('|') });
          env.schedule(setup, finish);
        });
      }
    }
  }

  /** PEFT setup of a request's i-th new adapter (from 0): it grows with the adapters already in. */
  private setupSeconds(i: number): number {
    return this.x.app.setupSeconds * (1 + this.x.policy.peft_setup_growth * i);
  }

  private ready(job: Job): void {
    if (--job.waiting > 0) return;
    const now = this.x.env.now;
    job.denoiseStart = now;
    // Time LoRA work held up denoising beyond the text encoder and ControlNets.
    job.loraWait = Math.max(0, now - Math.max(job.teEnd, job.cnReady));
    // A deferred LoRA still loading: the timeline is computed when it is ready.
    if (Number.isNaN(job.loraReady)) return;
    this.denoise(job);
  }

  private denoise(job: Job): void {
    const { env, app, placement, hw, policy, costs } = this.x;
    const w = job.worker;
    const s = job.size;
    const S = job.denoiseStart;
    const nLoras = job.row.loras.length;
    const link = hw.interconnect;
    // Latent parallelism: each GPU of a pair runs one CFG branch at batch 1 and sends its noise
    // prediction to the other before the guidance step; ControlNets are split the same way, each
    // branch's residuals going to its own serving GPU.
    const split = policy.cfg_parallel;
    const f = policy.step_factor;
    const unet = f * (split ? s.unetBranch : s.unet) + (app.merged ? 0 : (split ? 0.5 : 1) * nLoras * s.unmergedPerLora);
    const input: DenoiseInput = {
      steps: job.steps,
      unet: unet + (split ? link.latency + s.latentBytes / link.bandwidth : 0),
      controlnets: job.row.controlnets.map(() => f * (split ? s.controlnetBranch : s.controlnet)),
      gpuOf: job.cnGpu,
      transfer: link.latency + (split ? s.residualBytes / 2 : s.residualBytes) / link.bandwidth,
      overlap: costs.encoderFraction * f * (split ? s.unetBranch : s.unet),
    };
    let patch = 0;
    if (app.deferUntilStep !== null && job.newLoras.length > 0) {
      patch = costs.patchSecondsFor(job.newLoras.length, policy.fuse_adapters);
      input.gate = { step: Math.min(app.deferUntilStep, job.steps - 1), readyAt: Math.max(0, job.loraReady - S), patch };
    }
    const res = placement.denoise(input);
    if (input.gate) {
      const gate = input.gate;
      input.gate = undefined;
      job.loraWait += res.seconds - placement.denoise(input).seconds;
      input.gate = gate;
    }
    const vaeStart = S + res.seconds;
    const end = vaeStart + s.vae;
    w.busy += res.servingBusy + patch + s.vae;
    this.slice(w.track, 'denoise', S, S + res.servingBusy, job, () => ({
      steps: job.steps,
      loras: job.row.loras.join('|'),
      controlnets: job.row.controlnets.join('|'),
      application: this.x.policy.application,
      placement: this.x.policy.controlnet,
      ...(res.stepsWithoutLora > 0 ? { steps_without_lora: res.stepsWithoutLora } : {}),
      ...(res.staleSteps > 0 ? { stale_steps: res.staleSteps } : {}),
    }));
    this.slice(w.track, 'vae', vaeStart, end, job);
    for (let j = 0; j < res.controlnetBusy.length; j++) {
      const b = res.controlnetBusy[j]!;
      if (b <= 0) continue;
      const g = w.controlnetGpus[j]!;
      g.busy += b;
      this.slice(g.track, 'controlnet', S, S + b, job);
    }
    // Residual sets of both branches (each half of the CFG batch's), and the two noise predictions a step.
    this.interconnectBytes += res.transfers * s.residualBytes + (split ? job.steps * 2 * s.latentBytes : 0);
    env.schedule(end - env.now, () => this.complete(job, res, end));
  }

  private complete(job: Job, res: DenoiseResult, end: number): void {
    const { env, app, policy, costs, metrics } = this.x;
    const w = job.worker;
    const cns = job.row.controlnets;
    for (let i = 0; i < cns.length; i++) w.controlnetGpus[job.cnGpu[i]!]!.cache.unpin(cns[i]!);
    let unpatch = 0;
    if (app.merged && policy.unpatch === 'keep') {
      for (const id of job.newLoras) w.patched.add(id); // the pin moves to the patched set
    } else {
      for (const id of job.newLoras) w.loraCache.unpin(id);
      for (const id of w.patched) w.loraCache.unpin(id);
      if (app.merged) unpatch = costs.patchSecondsFor(job.newLoras.length + w.patched.size, policy.fuse_adapters);
      w.patched.clear();
    }
    job.loraPatch += unpatch;
    const counted = metrics.complete({
      arrival: job.row.arrival_s,
      start: job.start,
      end,
      mix: mixKey(cns.length, job.row.loras.length),
      loras: job.row.loras.length,
      controlnets: cns.length,
      steps: job.steps,
      loraLoad: job.loraLoad,
      loraPatch: job.loraPatch,
      loraWait: job.loraWait,
      stepsWithoutLora: res.stepsWithoutLora,
      staleSteps: res.staleSteps,
    });
    // Same order as T2I_REQUEST_COLUMNS; setup: text encoder, ControlNets and LoRAs before denoising.
    this.x.requests?.add({
      id: job.row.request,
      arrival: job.row.arrival_s,
      start: job.start,
      finish: end,
      warmup: !counted,
      extra: [
        (job.denoiseStart - job.start) * 1000,
        job.loraLoad * 1000,
        job.loraPatch * 1000,
        job.loraWait * 1000,
        res.seconds * 1000,
        (end - job.denoiseStart - res.seconds) * 1000,
        job.steps,
        job.row.loras.length,
        cns.length,
        res.stepsWithoutLora,
        res.staleSteps,
        w.index,
      ],
    });
    if (unpatch > 0) {
      w.busy += unpatch;
      this.slice(w.track, 'unpatch', end, end + unpatch, job);
      env.schedule(unpatch, () => this.release(w));
    } else this.release(w);
  }

  private release(w: Worker<Job>): void {
    w.running = null;
    this.startNext(w);
  }

  /** Requests waiting for a worker (a counter track `gpuN queue` in timelines). */
  private queueChanged(w: Worker<Job>): void {
    this.x.sink?.counter(`${w.track} queue`, this.x.env.now, w.queue.length);
  }

  /** `args`: extra trace arguments, built only when a timeline is recorded. */
  private slice(track: string, name: string, start: number, end: number, job: Job, args?: () => TraceArgs): void {
    if (!this.x.sink || !(end > start)) return;
    this.x.sink.slice(track, name, start, end, args && this.x.tracing ? { request: job.row.request, ...args() } : { request: job.row.request });
  }
}
