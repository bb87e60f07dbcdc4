/**
 * A store of items with optional capacity: put() waits while full, get() waits while empty (or
 * until an item matching a filter arrives). Used for request queues between processes.
 */
import type { Env } from './env.js';
import { SimEvent } from './event.js';
import { Fifo } from './queues.js';

interface Getter<T> {
  ev: SimEvent<T>;
  filter?: (item: T) => boolean;
}

export class Store<T> {
  private items: T[] = [];
  private putters = new Fifo<{ item: T; ev: SimEvent<void> }>();
  private getters: Getter<T>[] = [];

  constructor(
    private readonly env: Env,
    readonly capacity = Infinity,
  ) {}

  get length(): number {
    return this.items.length;
  }

  put(item: T): SimEvent<void> {
    const ev = new SimEvent<void>(this.env);
    this.putters.push({ item, ev });
    this.balance();
    return ev;
  }

  get(filter?: (item: T) => boolean): SimEvent<T> {
    const ev = new SimEvent<T>(this.env);
    this.getters.push({ ev, filter });
    this.balance();
    return ev;
  }

  private balance(): void {
    let progress = true;
    while (progress) {
      progress = false;
      while (this.putters.length > 0 && this.items.length < this.capacity) {
        const p = this.putters.shift()!;
        this.items.push(p.item);
        p.ev.succeed();
        progress = true;
      }
      for (let g = 0; g < this.getters.length; g++) {
        const getter = this.getters[g]!;
        const idx = getter.filter ? this.items.findIndex(getter.filter) : this.items.length > 0 ? 0 : -1;
        if (idx < 0) continue;
        const [item] = this.items.splice(idx, 1);
        this.getters.splice(g, 1);
        g--;
        getter.ev.succeed(item as T);
        progress = true;
      }
    }
  }
}
