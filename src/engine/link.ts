/**
 * A bandwidth-shared link (PCIe H2D/D2H, NVLink, disk, network). Transfers active together share
 * the bandwidth max-min fairly (processor sharing; a transfer may carry its own rate cap, e.g. a
 * pageable-memory copy or a slow source, and the capacity it cannot use goes to the others). Each
 * transfer first waits a fixed latency, during which it uses no bandwidth, then moves its bytes.
 * A cancelled transfer frees its share at once; its partial bytes stay counted in bytesMoved.
 *
 * Rates change only when the active set changes, so the link keeps one timer: the next completion.
 * Every transfer waits the same latency, so they leave the latency phase in submission order: a
 * FIFO with one timer for its head, instead of a timer and a closure per transfer.
 */
import { ConfigError, InvariantError } from '../errors.js';
import type { Env } from './env.js';
import { SimEvent } from './event.js';
import type { Timer } from './heap.js';
import type { TraceArgs, TraceSink } from './trace.js';

export interface LinkOptions {
  /** Bytes per second shared by all active transfers. */
  bandwidth: number;
  /** Seconds before a transfer starts moving bytes. */
  latency?: number;
  trace?: TraceSink;
}

export interface TransferOptions {
  /** Upper bound on this transfer's rate (bytes/s). */
  maxRate?: number;
  label?: string;
  args?: TraceArgs;
  onDone?: (t: Transfer) => void;
  /**
   * The caller keeps no reference to the Transfer once its onDone has returned (and never asks for
   * `done`): the link may reuse the object for a later transfer. Saves an object per transfer on
   * hot paths (a MoE replay's fetches).
   */
  recycle?: boolean;
}

export type TransferState = 'latency' | 'active' | 'done' | 'cancelled';

export class Transfer {
  state: TransferState = 'latency';
  // Numeric fields start as numbers (not as the `undefined` a parameter property starts with), so
  // V8 gives them a double representation stored in place rather than a new heap number per store.
  /** Bytes still to move. */
  remaining = 0;
  /** Current rate (bytes/s); 0 while in latency. */
  rate = 0;
  readonly bytes: number = 0;
  readonly submittedAt: number = 0;
  startedAt = NaN;
  finishedAt = NaN;
  /** When it leaves the latency phase (submittedAt + the link's latency). */
  activatesAt = NaN;
  readonly opts: TransferOptions;
  private doneEvent: SimEvent<Transfer> | undefined = undefined;

  constructor(
    readonly link: Link,
    bytes: number,
    opts: TransferOptions,
    now: number,
  ) {
    this.bytes = bytes;
    this.opts = opts;
    this.remaining = bytes;
    this.submittedAt = now;
  }

  /** @internal A finished transfer made new (TransferOptions.recycle): the state a constructor gives. */
  reuse(bytes: number, opts: TransferOptions, now: number): void {
    const self = this as { -readonly [K in 'bytes' | 'opts' | 'submittedAt']: Transfer[K] };
    this.state = 'latency';
    this.remaining = bytes;
    this.rate = 0;
    self.bytes = bytes;
    self.submittedAt = now;
    self.opts = opts;
    this.startedAt = NaN;
    this.finishedAt = NaN;
    this.activatesAt = NaN;
  }

  /** @internal Whether someone asked for `done` (then the object is theirs to keep). */
  get watched(): boolean {
    return this.doneEvent !== undefined;
  }

  get moved(): number {
    return this.bytes - this.remaining;
  }

  /** Event that succeeds when the transfer completes (never, if it is cancelled). */
  get done(): SimEvent<Transfer> {
    if (!this.doneEvent) {
      this.doneEvent = this.link.env.event<Transfer>();
      if (this.state === 'done') this.doneEvent.succeed(this);
    }
    return this.doneEvent;
  }

  /** @internal */
  complete(): void {
    this.doneEvent?.succeed(this);
  }
}

/** Relative tolerance for "bytes left" so float round-off never leaves a sliver. */
const EPS = 1e-9;

export class Link {
  readonly bandwidth: number;
  readonly latency: number;
  protected active: Transfer[] = [];
  private lastUpdate = 0;
  private timer: Timer | null = null;
  /** The completion timer once it has fired: rearmed rather than reallocated. */
  private spareTimer: Timer | null = null;
  private readonly finishNow = (): void => this.onFinish();
  /** Transfers in their latency phase, in submission (= activation) order; latencyHead is the next. */
  private waiting: (Transfer | undefined)[] = [];
  private latencyHead = 0;
  private latencyTimer: Timer | null = null;
  /** The latency timer once it has fired with no transfer left waiting: rearmed rather than reallocated. */
  private spareLatencyTimer: Timer | null = null;
  private readonly activateNow = (): void => this.onLatencyDone();
  /** Scratch list of the transfers finishing at one instant (filled by index, never shrunk). */
  private readonly finished: (Transfer | undefined)[] = [];
  /** Finished transfers whose options allow reuse (TransferOptions.recycle). */
  private readonly spare: Transfer[] = [];
  /** Bytes delivered so far, including partial bytes of cancelled transfers. */
  private movedBytes = 0;
  private busyIntegral = 0;
  completed = 0;
  cancelled = 0;

  constructor(
    readonly env: Env,
    readonly name: string,
    private readonly opts: LinkOptions,
  ) {
    if (!(opts.bandwidth > 0) || !Number.isFinite(opts.bandwidth)) {
      throw new ConfigError(`link ${name}: bandwidth must be a positive number of bytes/s, got ${opts.bandwidth}`);
    }
    this.bandwidth = opts.bandwidth;
    this.latency = opts.latency ?? 0;
  }

  /** Number of transfers moving bytes now. */
  get activeCount(): number {
    return this.active.length;
  }

  get bytesMoved(): number {
    this.settle();
    return this.movedBytes;
  }

  /** Seconds during which at least one transfer was moving bytes. */
  busyTime(): number {
    this.settle();
    return this.busyIntegral;
  }

  /** Time a lone transfer of `bytes` takes on an idle link. */
  soloSeconds(bytes: number): number {
    return this.latency + bytes / this.bandwidth;
  }

  transfer(bytes: number, opts: TransferOptions = {}): Transfer {
    if (!(bytes >= 0)) throw new InvariantError(`link ${this.name}: transfer of ${bytes} bytes`);
    let t: Transfer;
    if (opts.recycle && this.spare.length > 0) {
      t = this.spare.pop()!;
      t.reuse(bytes, opts, this.env.now);
    } else t = new Transfer(this, bytes, opts, this.env.now);
    if (this.latency > 0) {
      t.activatesAt = this.env.now + this.latency;
      this.waiting.push(t);
      if (!this.latencyTimer) {
        const spare = this.spareLatencyTimer;
        if (spare) {
          this.spareLatencyTimer = null;
          this.env.rearm(spare, this.latency, this.activateNow);
          this.latencyTimer = spare;
        } else this.latencyTimer = this.env.schedule(this.latency, this.activateNow);
      }
    } else {
      this.activate(t);
    }
    return t;
  }

  /** The head of the latency FIFO is due: activate every transfer due now, re-arm for the next. */
  private onLatencyDone(): void {
    const timer = this.latencyTimer!;
    this.latencyTimer = null;
    const w = this.waiting;
    const now = this.env.now;
    while (this.latencyHead < w.length) {
      const t = w[this.latencyHead]!;
      if (t.state === 'latency' && t.activatesAt > now) {
        this.env.rearmAt(timer, t.activatesAt, this.activateNow);
        this.latencyTimer = timer;
        break;
      }
      w[this.latencyHead++] = undefined;
      if (t.state === 'latency') this.activate(t);
    }
    if (!this.latencyTimer) this.spareLatencyTimer = timer;
    // Compact the FIFO now and then so it does not grow with the run.
    if (this.latencyHead >= 1024 && this.latencyHead * 2 >= w.length) {
      this.waiting = w.slice(this.latencyHead);
      this.latencyHead = 0;
    }
  }

  /** Stop a transfer; returns the bytes it had moved. */
  cancel(t: Transfer): number {
    if (t.state === 'done' || t.state === 'cancelled') return t.moved;
    if (t.state === 'latency') {
      // It stays in the FIFO and is skipped when it reaches the head.
      t.state = 'cancelled';
      this.cancelled++;
      return 0;
    }
    this.settle();
    this.active.splice(this.active.indexOf(t), 1);
    t.state = 'cancelled';
    t.rate = 0;
    this.cancelled++;
    this.trace(t, 'cancelled');
    this.reschedule();
    return t.moved;
  }

  private activate(t: Transfer): void {
    this.settle();
    t.state = 'active';
    t.startedAt = this.env.now;
    this.active.push(t);
    this.reschedule();
  }

  /** Advance every active transfer's bytes to now at its current rate. */
  private settle(): void {
    const now = this.env.now;
    const dt = now - this.lastUpdate;
    if (dt > 0 && this.active.length > 0) {
      let total = 0;
      for (const t of this.active) {
        const moved = Math.min(t.remaining, t.rate * dt);
        t.remaining -= moved;
        total += moved;
      }
      this.movedBytes += total;
      this.busyIntegral += dt;
    }
    this.lastUpdate = now;
  }

  /** Max-min fair rates (water-filling over per-transfer caps), then one timer for the next finish. */
  private reschedule(): void {
    this.env.cancel(this.timer);
    this.timer = null;
    const act = this.active;
    if (act.length === 0) return;
    this.assignRates();
    this.checkRates();
    let next = Infinity;
    for (const t of act) {
      const left = t.remaining / t.rate;
      if (left < next) next = left;
    }
    const spare = this.spareTimer;
    if (spare) {
      this.spareTimer = null;
      this.env.rearm(spare, Math.max(0, next), this.finishNow);
      this.timer = spare;
    } else this.timer = this.env.schedule(Math.max(0, next), this.finishNow);
  }

  /** Invariant: the link never moves bytes faster than its bandwidth. */
  private checkRates(): void {
    let sum = 0;
    for (const t of this.active) sum += t.rate;
    if (sum > this.bandwidth * (1 + 1e-9)) {
      throw new InvariantError(`link ${this.name}: rates sum to ${sum} B/s above bandwidth ${this.bandwidth} B/s`);
    }
  }

  /** Max-min fair shares; protected so a test can break it on purpose and see the invariant fire. */
  protected assignRates(): void {
    const act = this.active;
    let anyCap = false;
    for (const t of act) if (t.opts.maxRate !== undefined) anyCap = true;
    if (!anyCap) {
      const share = this.bandwidth / act.length;
      for (const t of act) t.rate = share;
      return;
    }
    const order = [...act].sort((a, b) => (a.opts.maxRate ?? Infinity) - (b.opts.maxRate ?? Infinity));
    let left = this.bandwidth;
    for (let i = 0; i < order.length; i++) {
      const t = order[i]!;
      const share = left / (order.length - i);
      t.rate = Math.min(share, t.opts.maxRate ?? Infinity);
      left -= t.rate;
    }
  }

  private onFinish(): void {
    // The timer has fired, so it is out of the heap and free to re-arm.
    this.spareTimer = this.timer;
    this.timer = null;
    this.settle();
    const finished = this.finished;
    let nDone = 0;
    const now = this.env.now;
    const act = this.active;
    let kept = 0;
    for (let i = 0; i < act.length; i++) {
      const t = act[i]!;
      // Also done: bytes left that would take less than the clock can resolve at `now` (late in a
      // long run one ulp of time is ~1e-10 s); waiting for them would never advance the clock.
      if (t.remaining <= EPS * t.bytes + 1e-6 || now + t.remaining / t.rate === now) {
        this.movedBytes += t.remaining;
        t.remaining = 0;
        finished[nDone++] = t;
      } else act[kept++] = t;
    }
    while (act.length > kept) act.pop(); // pop, not `length =`: V8 shrinks by length in a slow runtime call
    this.reschedule();
    // onDone callbacks may start transfers but never run onFinish (only the timer does): the
    // scratch list is not re-entered.
    for (let i = 0; i < nDone; i++) {
      const t = finished[i]!;
      finished[i] = undefined; // do not keep it alive
      t.state = 'done';
      t.rate = 0;
      t.finishedAt = this.env.now;
      this.completed++;
      this.trace(t);
      const opts = t.opts;
      opts.onDone?.(t);
      t.complete();
      if (opts.recycle && !t.watched && this.spare.length < 64) this.spare.push(t);
    }
  }

  private trace(t: Transfer, outcome?: string): void {
    const sink = this.opts.trace;
    if (!sink) return;
    if (sink.detail?.() === false) return sink.slice(this.name, t.opts.label ?? 'transfer', t.startedAt, this.env.now);
    // Built without object spread where it can be: this runs once per transfer.
    const extra = t.opts.args;
    const args: TraceArgs = extra ? { ...extra, bytes: t.bytes - t.remaining } : { bytes: t.bytes - t.remaining };
    if (outcome) args.outcome = outcome;
    sink.slice(this.name, t.opts.label ?? 'transfer', t.startedAt, this.env.now, args);
  }
}
