/**
 * Binary min-heap of timers keyed by (time, seq). `seq` is the insertion order, so two events at the
 * same time always fire in the order they were scheduled: runs are deterministic without relying on
 * the sort being stable. Cancellation is lazy (the timer's callback is cleared and the entry is
 * skipped when it surfaces), which makes cancel O(1).
 */

export type Callback = () => void;

export class Timer {
  constructor(
    public time: number,
    public seq: number,
    public fn: Callback | null,
  ) {}
  get cancelled(): boolean {
    return this.fn === null;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class TimerHeap {
  private items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  push(t: Timer): void {
    const items = this.items;
    let i = items.length;
    items.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(t, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = t;
  }

  peek(): Timer | undefined {
    return this.items[0];
  }

  pop(): Timer | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = items[l]!;
      if (r < n && before(items[r]!, child)) {
        c = r;
        child = items[r]!;
      }
      if (!before(child, last)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }
}
