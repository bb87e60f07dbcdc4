/**
 * Min-heap of timers keyed by (time, seq). `seq` is the insertion order, so two events at the
 * same time always fire in the order they were scheduled: runs are deterministic without relying on
 * the sort being stable. Cancellation is lazy (the timer's callback is cleared and the entry is
 * skipped when it surfaces), which makes cancel O(1).
 *
 * Layout, for speed on big heaps: the keys live in two Float64Arrays beside the Timer objects, so
 * sifting compares numbers in contiguous memory instead of chasing a pointer per comparison, and
 * the heap is 4-ary (half the depth of a binary heap; the four children share a cache line).
 */

export type Callback = () => void;

export class Timer {
  // Fields start as numbers, not as the `undefined` a parameter property's class field starts
  // with: V8 then keeps `time` an unboxed double, stored in place when a timer is re-armed rather
  // than a new heap number per event.
  time = 0;
  seq = 0;
  fn: Callback | null = null;
  constructor(time: number, seq: number, fn: Callback | null) {
    this.time = time;
    this.seq = seq;
    this.fn = fn;
  }
  get cancelled(): boolean {
    return this.fn === null;
  }
}

export class TimerHeap {
  private items: (Timer | undefined)[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(t: Timer): void {
    if (this.n === this.times.length) this.grow();
    const items = this.items;
    const times = this.times;
    const seqs = this.seqs;
    const time = t.time;
    const seq = t.seq;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = times[p]!;
      if (pt < time || (pt === time && seqs[p]! < seq)) break;
      items[i] = items[p];
      times[i] = pt;
      seqs[i] = seqs[p]!;
      i = p;
    }
    items[i] = t;
    times[i] = time;
    seqs[i] = seq;
  }

  /** Time of the earliest timer (Infinity when empty), read from the key array. */
  topTime(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  peek(): Timer | undefined {
    return this.n > 0 ? this.items[0] : undefined;
  }

  pop(): Timer | undefined {
    const n = --this.n;
    if (n < 0) {
      this.n = 0;
      return undefined;
    }
    const items = this.items;
    const top = items[0];
    const last = items[n]!;
    items[n] = undefined;
    if (n === 0) return top;
    const times = this.times;
    const seqs = this.seqs;
    const time = times[n]!;
    const seq = seqs[n]!;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children.
      let c = first;
      let ct = times[first]!;
      let cs = seqs[first]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let j = first + 1; j < end; j++) {
        const jt = times[j]!;
        if (jt < ct || (jt === ct && seqs[j]! < cs)) {
          c = j;
          ct = jt;
          cs = seqs[j]!;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      items[i] = items[c];
      times[i] = ct;
      seqs[i] = cs;
      i = c;
    }
    items[i] = last;
    times[i] = time;
    seqs[i] = seq;
    return top;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }
}
