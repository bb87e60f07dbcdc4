/**
 * Events carry values, not code: a SimEvent is pending until succeed()/fail() triggers it; its
 * callbacks then run as a scheduled zero-delay event, so code triggered "at the same time" runs in
 * a deterministic order after the triggering code returns. A failed event that nobody handles
 * throws out of env.run() (failures are loud, as in SimPy).
 */
import type { Env } from './env.js';

type OnValue<T> = (value: T) => void;
type OnError = (err: unknown) => void;

export type ProcessGenerator<T> = Generator<SimEvent<any>, T, any>;

export class SimEvent<T = unknown> {
  private state: 0 | 1 | 2 = 0; // pending, succeeded, failed
  private value?: T;
  private error?: unknown;
  private callbacks: Array<[OnValue<T> | undefined, OnError | undefined]> = [];
  private handled = false;

  constructor(protected readonly env: Env) {}

  get pending(): boolean {
    return this.state === 0;
  }
  get ok(): boolean {
    return this.state === 1;
  }
  get result(): T | undefined {
    return this.value;
  }

  succeed(value: T): this {
    if (this.state !== 0) throw new Error('event already triggered');
    this.state = 1;
    this.value = value;
    this.flush();
    return this;
  }

  fail(error: unknown): this {
    if (this.state !== 0) throw new Error('event already triggered');
    this.state = 2;
    this.error = error;
    this.flush();
    // Loud failure: if nobody handles it by the time callbacks run, rethrow from the event loop.
    this.env.schedule(0, () => {
      if (!this.handled) throw error;
    });
    return this;
  }

  /** Register callbacks; they run (scheduled, zero delay) once the event is triggered. */
  then(onValue?: OnValue<T>, onError?: OnError): void {
    if (onError) this.handled = true;
    if (this.state === 0) {
      this.callbacks.push([onValue, onError]);
    } else {
      this.env.schedule(0, () => this.fire(onValue, onError));
    }
  }

  private flush(): void {
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const [v, e] of cbs) this.env.schedule(0, () => this.fire(v, e));
  }

  private fire(onValue?: OnValue<T>, onError?: OnError): void {
    if (this.state === 1) onValue?.(this.value as T);
    else if (this.state === 2) onError?.(this.error);
  }
}

/** Thrown into a process by interrupt(). */
export class Interrupt extends Error {
  constructor(override readonly cause: unknown) {
    super('process interrupted');
    this.name = 'Interrupt';
  }
}

/** A generator-driven process; itself an event that succeeds with the generator's return value. */
export class Process<T = unknown> extends SimEvent<T> {
  private waitingOn: SimEvent<any> | null = null;
  private token = 0;

  constructor(
    env: Env,
    private readonly gen: ProcessGenerator<T>,
  ) {
    super(env);
    env.schedule(0, () => this.resume(false, undefined));
  }

  /** Throw an Interrupt into the process at its current yield point. */
  interrupt(cause?: unknown): void {
    if (!this.pending) return;
    this.waitingOn = null;
    const token = ++this.token;
    this.env.schedule(0, () => {
      if (token === this.token) this.resume(true, new Interrupt(cause));
    });
  }

  private resume(isError: boolean, payload: unknown): void {
    let step: IteratorResult<SimEvent<any>, T>;
    try {
      step = isError ? this.gen.throw(payload) : this.gen.next(payload);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (step.done) {
      this.succeed(step.value);
      return;
    }
    const ev = step.value;
    this.waitingOn = ev;
    const token = ++this.token;
    ev.then(
      (v) => {
        if (token === this.token) this.resume(false, v);
      },
      (err) => {
        if (token === this.token) this.resume(true, err);
      },
    );
  }
}
