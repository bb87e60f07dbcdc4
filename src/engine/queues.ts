/** Small queues used by resources: a FIFO deque (and one of integers) and a stable priority queue (lower value first). */
import { InvariantError } from '../errors.js';

export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact occasionally so memory stays proportional to the live length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  /** Remove the first element matching `pred`; O(n). */
  remove(pred: (x: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const x = this.items[i];
      if (x !== undefined && pred(x)) {
        this.items.splice(i, 1);
        return x;
      }
    }
    return undefined;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/**
 * A FIFO of 32-bit integers in a ring of an Int32Array, doubling when full: no allocation per
 * push, where a JS array of numbers reallocates as it grows and compacts.
 */
export class IntFifo {
  private items = new Int32Array(16);
  private head = 0;
  private n = 0;
  get length(): number {
    return this.n;
  }
  push(x: number): void {
    if (this.n === this.items.length) this.grow();
    this.items[(this.head + this.n++) & (this.items.length - 1)] = x;
  }
  /** The first element; the queue must not be empty. */
  peek(): number {
    if (this.n === 0) throw new InvariantError('IntFifo.peek on an empty queue');
    return this.items[this.head]!;
  }
  /** Remove and return the first element; the queue must not be empty. */
  shift(): number {
    if (this.n === 0) throw new InvariantError('IntFifo.shift on an empty queue');
    const x = this.items[this.head]!;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.n--;
    return x;
  }
  private grow(): void {
    const old = this.items;
    const items = new Int32Array(old.length * 2);
    for (let k = 0; k < this.n; k++) items[k] = old[(this.head + k) & (old.length - 1)]!;
    this.items = items;
    this.head = 0;
  }
}

interface Keyed<T> {
  key: number;
  seq: number;
  value: T;
}

/** Binary heap on (key, insertion order): equal keys leave in arrival order. */
export class PriorityQueue<T> {
  private heap: Keyed<T>[] = [];
  private seq = 0;
  get length(): number {
    return this.heap.length;
  }
  push(value: T, key: number): void {
    const h = this.heap;
    const item = { key, seq: this.seq++, value };
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(item, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }
  peek(): T | undefined {
    return this.heap[0]?.value;
  }
  shift(): T | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top?.value;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r]!, h[l]!) ? r : l;
      if (!less(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top.value;
  }
}

function less<T>(a: Keyed<T>, b: Keyed<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}
