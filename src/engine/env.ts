/**
 * The simulation environment: a clock and a timer heap. Two ways to write models on it:
 *
 *  - callbacks: `env.schedule(delay, fn)` — the fast path, used on hot loops (per-layer MoE steps);
 *  - processes: `env.process(function* () { yield env.timeout(1); ... })` — SimPy-style generators
 *    that read like the system they model. A Process is itself a SimEvent, so processes can wait
 *    on each other, and `allOf`/`anyOf` combine events.
 *
 * Invariants checked on every step (cheap): time never goes back; simulated time must make progress
 * (a watchdog turns a livelock — millions of events at one instant — into an error).
 */
import { InvariantError } from '../errors.js';
import { Callback, Timer, TimerHeap } from './heap.js';
import { SimEvent, Process, type ProcessGenerator } from './event.js';

export interface EnvOptions {
  /** Events allowed at a single simulated instant before the run is declared a livelock. */
  maxEventsPerInstant?: number;
}

export class Env {
  now = 0;
  /** Events executed so far (cancelled timers excluded). */
  eventsProcessed = 0;
  private heap = new TimerHeap();
  private seq = 0;
  private sameInstant = 0;
  private readonly maxEventsPerInstant: number;
  private stopped = false;

  constructor(opts: EnvOptions = {}) {
    this.maxEventsPerInstant = opts.maxEventsPerInstant ?? 10_000_000;
  }

  /** Run `fn` after `delay` seconds of simulated time. */
  schedule(delay: number, fn: Callback): Timer {
    if (!(delay >= 0)) throw new InvariantError(`cannot schedule ${delay} s into the past at t=${this.now}`);
    const t = new Timer(this.now + delay, this.seq++, fn);
    this.heap.push(t);
    return t;
  }

  /**
   * schedule() into a Timer object the caller owns and that is not pending (it has fired): saves
   * an allocation per event on hot paths that keep one timer per slot (a server unit's completion).
   */
  rearm(t: Timer, delay: number, fn: Callback): void {
    if (!(delay >= 0)) throw new InvariantError(`cannot schedule ${delay} s into the past at t=${this.now}`);
    if (t.fn !== null) throw new InvariantError('rearm: the timer is still pending');
    t.time = this.now + delay;
    t.seq = this.seq++;
    t.fn = fn;
    this.heap.push(t);
  }

  /** rearm() at an absolute time (>= now), so the timer fires at exactly `time`. */
  rearmAt(t: Timer, time: number, fn: Callback): void {
    if (!(time >= this.now)) throw new InvariantError(`cannot schedule at ${time} s, before t=${this.now}`);
    if (t.fn !== null) throw new InvariantError('rearm: the timer is still pending');
    t.time = time;
    t.seq = this.seq++;
    t.fn = fn;
    this.heap.push(t);
  }

  /** Run `fn` at absolute simulated time `time` (>= now). */
  at(time: number, fn: Callback): Timer {
    return this.schedule(time - this.now, fn);
  }

  /** Cancel a pending timer in O(1); cancelling twice or after it fired does nothing. */
  cancel(t: Timer | null | undefined): void {
    if (t) t.fn = null;
  }

  /** Time of the next live event, or Infinity. */
  peek(): number {
    let top = this.heap.peek();
    while (top && top.fn === null) {
      this.heap.pop();
      top = this.heap.peek();
    }
    return top ? top.time : Infinity;
  }

  /** Execute the next live event; false when none is left. */
  step(): boolean {
    for (;;) {
      const t = this.heap.pop();
      if (t === undefined) return false;
      const fn = t.fn;
      if (fn === null) continue;
      t.fn = null;
      this.advance(t.time);
      fn();
      return true;
    }
  }

  /** Run until no event is left, `until` is reached (clock set to `until`), or stop() is called. */
  run(until = Infinity): void {
    this.stopped = false;
    const heap = this.heap;
    // The loop reads the next time from the heap's key array and inlines advance(): this is the
    // engine's innermost loop.
    const bounded = until !== Infinity;
    while (!this.stopped) {
      if (bounded ? heap.topTime() > until : heap.size === 0) break;
      const t = heap.pop()!;
      const fn = t.fn;
      if (fn === null) continue;
      t.fn = null;
      const time = t.time;
      if (time > this.now) {
        this.now = time;
        this.sameInstant = 0;
        this.eventsProcessed++;
      } else this.advance(time);
      fn();
    }
    if (!this.stopped && until !== Infinity && until > this.now) this.now = until;
  }

  /** Stop run() after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /** Pending timers, including cancelled ones not yet discarded. */
  get pending(): number {
    return this.heap.size;
  }

  private advance(time: number): void {
    if (time > this.now) {
      this.now = time;
      this.sameInstant = 0;
    } else if (time < this.now) {
      throw new InvariantError(`time went back from ${this.now} to ${time}`);
    } else if (++this.sameInstant > this.maxEventsPerInstant) {
      throw new InvariantError(
        `no simulated progress: more than ${this.maxEventsPerInstant} events at t=${this.now} s (livelock in a model or policy)`,
      );
    }
    this.eventsProcessed++;
  }

  // --- process-style API -------------------------------------------------------------------

  /** A new pending event; trigger it with succeed()/fail(). */
  event<T = unknown>(): SimEvent<T> {
    return new SimEvent<T>(this);
  }

  /** An event that succeeds with `value` after `delay` seconds. */
  timeout<T = undefined>(delay: number, value?: T): SimEvent<T> {
    const ev = new SimEvent<T>(this);
    this.schedule(delay, () => ev.succeed(value as T));
    return ev;
  }

  /** Start a generator process now; the returned Process succeeds with the generator's return value. */
  process<T>(gen: ProcessGenerator<T> | (() => ProcessGenerator<T>)): Process<T> {
    return new Process<T>(this, typeof gen === 'function' ? gen() : gen);
  }

  /** Succeeds with all values once every event has succeeded; fails on the first failure. */
  allOf<T>(events: SimEvent<T>[]): SimEvent<T[]> {
    const out = new SimEvent<T[]>(this);
    const values: T[] = new Array(events.length);
    let left = events.length;
    if (left === 0) out.succeed(values);
    events.forEach((ev, i) =>
      ev.then(
        (v) => {
          values[i] = v;
          if (--left === 0 && out.pending) out.succeed(values);
        },
        (err) => {
          if (out.pending) out.fail(err);
        },
      ),
    );
    return out;
  }

  /** Succeeds with {index, value} of the first event to succeed. */
  anyOf<T>(events: SimEvent<T>[]): SimEvent<{ index: number; value: T }> {
    const out = new SimEvent<{ index: number; value: T }>(this);
    events.forEach((ev, index) =>
      ev.then(
        (value) => {
          if (out.pending) out.succeed({ index, value });
        },
        (err) => {
          if (out.pending) out.fail(err);
        },
      ),
    );
    return out;
  }
}
