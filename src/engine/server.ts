/**
 * A server with k identical units and a waiting line: a GPU compute stream (k = 1), a copy engine,
 * a CPU pool of k workers. Two ways to use it:
 *  - submit(duration, onDone): a job of known duration (fast path, no events allocated);
 *  - request() -> event granting a unit, held until release(grant) (process style).
 * Discipline is FIFO, or priority (lower number first, FIFO among equals).
 * Busy time is integrated exactly, so utilisation is (busy unit-seconds) / (k * elapsed).
 */
import type { Env } from './env.js';
import { SimEvent } from './event.js';
import { Timer } from './heap.js';
import { PriorityQueue } from './queues.js';
import type { TraceArgs, TraceSink } from './trace.js';

export interface ServerOptions {
  units?: number;
  discipline?: 'fifo' | 'priority';
  trace?: TraceSink;
}

export interface JobOptions {
  priority?: number;
  /** Label for trace slices. */
  label?: string;
  args?: TraceArgs;
  onStart?: (time: number) => void;
}

export interface Grant {
  readonly server: Server;
  readonly unit: number;
  readonly grantedAt: number;
}

/** A queued job of known duration, or a request waiting for a grant. */
interface Waiting {
  duration: number;
  onDone?: (time: number) => void;
  job: JobOptions;
  grant?: SimEvent<Grant>;
}

const NO_JOB: JobOptions = {};

export class Server {
  readonly units: number;
  private freeUnits: number[];
  /** Priority discipline only; FIFO waits in the ring below (no object per queued job). */
  private prio?: PriorityQueue<Waiting>;
  // FIFO waiting line as a ring of parallel arrays: duration, onDone, job, grant (a request).
  private qDur = new Float64Array(16);
  private qDone: Array<((time: number) => void) | undefined> = new Array(16).fill(undefined);
  private qJob: JobOptions[] = new Array(16).fill(NO_JOB);
  private qGrant: Array<SimEvent<Grant> | undefined> = new Array(16).fill(undefined);
  private qHead = 0;
  private qLen = 0;
  private busyUnits = 0;
  private busyIntegral = 0;
  private lastChange = 0;
  /** Jobs (or grants) started so far. */
  started = 0;
  // Per-unit state of the running job and a pre-bound completion callback per unit, so the hot
  // path (submit -> start -> complete) allocates nothing but the timer.
  private readonly unitStart: Float64Array;
  private readonly unitOnDone: Array<((time: number) => void) | undefined>;
  private readonly unitJob: JobOptions[];
  private readonly unitComplete: Array<() => void>;
  /** Each unit's completion timer, re-armed per job (a unit has at most one job running). */
  private readonly unitTimer: Timer[];

  constructor(
    private readonly env: Env,
    readonly name: string,
    private readonly opts: ServerOptions = {},
  ) {
    this.units = opts.units ?? 1;
    if (!(this.units >= 1)) throw new Error(`server ${name}: units must be >= 1`);
    this.freeUnits = Array.from({ length: this.units }, (_, i) => this.units - 1 - i);
    this.unitStart = new Float64Array(this.units);
    this.unitOnDone = new Array(this.units).fill(undefined);
    this.unitJob = new Array(this.units).fill(NO_JOB);
    this.unitComplete = Array.from({ length: this.units }, (_, u) => () => this.complete(u));
    this.unitTimer = Array.from({ length: this.units }, () => new Timer(0, 0, null));
    if (opts.discipline === 'priority') this.prio = new PriorityQueue();
  }

  get queueLength(): number {
    return this.prio ? this.prio.length : this.qLen;
  }
  get inService(): number {
    return this.busyUnits;
  }
  get idle(): boolean {
    return this.busyUnits < this.units;
  }

  /** Unit-seconds of service delivered up to now. */
  busyTime(): number {
    return this.busyIntegral + this.busyUnits * (this.env.now - this.lastChange);
  }

  /** Fraction of capacity used over [0, now]. */
  utilisation(): number {
    return this.env.now > 0 ? this.busyTime() / (this.units * this.env.now) : 0;
  }

  /** Queue a job that occupies one unit for `duration` seconds, then calls onDone. */
  submit(duration: number, onDone?: (time: number) => void, job: JobOptions = NO_JOB): void {
    if (this.busyUnits < this.units && (this.prio ? this.prio.length === 0 : this.qLen === 0)) this.run(duration, onDone, job);
    else if (this.prio) this.prio.push({ duration, onDone, job }, job.priority ?? 0);
    else this.ringPush(duration, onDone, job, undefined);
  }

  /** Event that succeeds with a Grant when a unit is free; call release(grant) when done. */
  request(priority = 0): SimEvent<Grant> {
    const grant = new SimEvent<Grant>(this.env);
    if (this.freeUnits.length > 0 && this.queueLength === 0) this.grantUnit(grant);
    else if (this.prio) this.prio.push({ duration: 0, job: NO_JOB, grant }, priority);
    else this.ringPush(0, undefined, NO_JOB, grant);
    return grant;
  }

  release(grant: Grant, label?: string, args?: TraceArgs): void {
    if (this.opts.trace && label) this.opts.trace.slice(this.track(grant.unit), label, grant.grantedAt, this.env.now, args);
    this.freeUnit(grant.unit);
  }

  private track(unit: number): string {
    return this.units > 1 ? `${this.name}/${unit}` : this.name;
  }

  private ringPush(duration: number, onDone: ((time: number) => void) | undefined, job: JobOptions, grant: SimEvent<Grant> | undefined): void {
    if (this.qLen === this.qDur.length) this.ringGrow();
    const i = (this.qHead + this.qLen++) & (this.qDur.length - 1);
    this.qDur[i] = duration;
    this.qDone[i] = onDone;
    this.qJob[i] = job;
    this.qGrant[i] = grant;
  }

  /** Doubles the ring (capacity stays a power of two), unwrapping it to start at 0. */
  private ringGrow(): void {
    const n = this.qDur.length;
    const dur = new Float64Array(2 * n);
    const done: Array<((time: number) => void) | undefined> = new Array(2 * n).fill(undefined);
    const job: JobOptions[] = new Array(2 * n).fill(NO_JOB);
    const grant: Array<SimEvent<Grant> | undefined> = new Array(2 * n).fill(undefined);
    for (let k = 0; k < n; k++) {
      const i = (this.qHead + k) & (n - 1);
      dur[k] = this.qDur[i]!;
      done[k] = this.qDone[i];
      job[k] = this.qJob[i]!;
      grant[k] = this.qGrant[i];
    }
    this.qDur = dur;
    this.qDone = done;
    this.qJob = job;
    this.qGrant = grant;
    this.qHead = 0;
  }

  /** Start the first job (or grant) waiting in the FIFO ring. */
  private startNextInRing(): void {
    const i = this.qHead;
    this.qHead = (i + 1) & (this.qDur.length - 1);
    this.qLen--;
    const grant = this.qGrant[i];
    const onDone = this.qDone[i];
    const job = this.qJob[i]!;
    this.qDone[i] = undefined;
    this.qJob[i] = NO_JOB;
    this.qGrant[i] = undefined;
    if (grant) this.grantUnit(grant);
    else this.run(this.qDur[i]!, onDone, job);
  }

  private start(w: Waiting): void {
    if (w.grant) this.grantUnit(w.grant);
    else this.run(w.duration, w.onDone, w.job);
  }

  private grantUnit(grant: SimEvent<Grant>): void {
    const unit = this.freeUnits.pop()!;
    this.account(+1);
    this.started++;
    grant.succeed({ server: this, unit, grantedAt: this.env.now });
  }

  private run(duration: number, onDone: ((time: number) => void) | undefined, job: JobOptions): void {
    const unit = this.freeUnits.pop()!;
    this.account(+1);
    this.runOn(unit, duration, onDone, job);
  }

  private runOn(unit: number, duration: number, onDone: ((time: number) => void) | undefined, job: JobOptions): void {
    this.started++;
    const now = this.env.now;
    this.unitStart[unit] = now;
    this.unitOnDone[unit] = onDone;
    this.unitJob[unit] = job;
    job.onStart?.(now);
    this.env.rearm(this.unitTimer[unit]!, duration, this.unitComplete[unit]!);
  }

  private complete(unit: number): void {
    const job = this.unitJob[unit]!;
    const onDone = this.unitOnDone[unit];
    const trace = this.opts.trace;
    // One read of the clock for both calls (each read of a float field passed on is boxed anew).
    const now = this.env.now;
    if (trace !== undefined && job.label) trace.slice(this.track(unit), job.label, this.unitStart[unit]!, now, job.args);
    this.unitOnDone[unit] = undefined;
    this.unitJob[unit] = NO_JOB;
    this.freeUnit(unit);
    onDone?.(now);
  }

  private freeUnit(unit: number): void {
    const i = this.qHead;
    if (this.qLen > 0 && this.qGrant[i] === undefined) {
      // The next queued job takes this unit at once: busy units stay as they are (the same sums
      // as freeing it and taking it again, minus a zero term).
      this.account(0);
      this.qHead = (i + 1) & (this.qDur.length - 1);
      this.qLen--;
      const onDone = this.qDone[i];
      const job = this.qJob[i]!;
      this.qDone[i] = undefined;
      this.qJob[i] = NO_JOB;
      this.runOn(unit, this.qDur[i]!, onDone, job);
      return;
    }
    this.account(-1);
    this.freeUnits.push(unit);
    if (this.prio) {
      const next = this.prio.shift();
      if (next) this.start(next);
    } else if (this.qLen > 0) this.startNextInRing();
  }

  private account(delta: number): void {
    const now = this.env.now;
    this.busyIntegral += this.busyUnits * (now - this.lastChange);
    this.lastChange = now;
    this.busyUnits += delta;
  }
}
