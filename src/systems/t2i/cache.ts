/**
 * An adapter cache in one memory tier (host DRAM or one GPU's HBM): entries are LoRAs or
 * ControlNets, each an allocation in the tier's MemoryPool. Entries in use are pinned and never
 * evicted; `capacity` bounds what the cache keeps beyond that: idle entries are evicted (in the
 * eviction policy's order) as soon as the cache holds more than `capacity` bytes, so it holds at
 * most max(capacity, pinned bytes). A loading entry is pinned and collects waiters, so two
 * requests never load the same adapter twice.
 */
import type { MemoryPool } from '../../engine/memory.js';
import type { EvictionPolicy } from './types.js';

export interface CacheEntry {
  readonly key: string;
  readonly bytes: number;
  /** Owner name in the memory pool. */
  readonly owner: string;
  pins: number;
  ready: boolean;
  waiters: Array<() => void> | null;
}

export class AdapterCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly owners = new Map<string, string>();
  private residentBytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  private readonly evictable = (k: string) => {
    const e = this.entries.get(k)!;
    return e.pins === 0 && e.ready;
  };

  constructor(
    readonly name: string,
    readonly capacity: number,
    private readonly policy: EvictionPolicy,
    private readonly pool: MemoryPool,
    /** Owner-name prefix in the pool, e.g. `lora:`. */
    private readonly prefix: string,
  ) {}

  get resident(): number {
    return this.residentBytes;
  }

  /** The entry if resident or loading. */
  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** Resident and ready. */
  holds(key: string): boolean {
    return this.entries.get(key)?.ready === true;
  }

  /** Use a present entry: a hit, pinned for the caller. */
  use(e: CacheEntry): void {
    this.hits++;
    e.pins++;
    this.policy.touch(e.key);
  }

  /** A miss: a new loading entry, pinned for the caller, after evicting idle entries to make room. */
  admit(key: string, bytes: number): CacheEntry {
    this.misses++;
    this.makeRoom(bytes);
    const owner = this.ownerOf(key);
    this.pool.alloc(owner, bytes);
    const e: CacheEntry = { key, bytes, owner, pins: 1, ready: false, waiters: null };
    this.entries.set(key, e);
    this.residentBytes += bytes;
    this.policy.insert(key);
    return e;
  }

  /** A loading entry finished: wake its waiters. */
  ready(e: CacheEntry): void {
    e.ready = true;
    const ws = e.waiters;
    e.waiters = null;
    if (ws) for (const w of ws) w();
  }

  /** Run `fn` once `e` is ready (now if it is). */
  whenReady(e: CacheEntry, fn: () => void): void {
    if (e.ready) fn();
    else (e.waiters ??= []).push(fn);
  }

  unpin(key: string): void {
    const e = this.entries.get(key);
    if (!e || e.pins <= 0) throw new Error(`cache ${this.name}: unpin of ${key} that is not pinned`);
    e.pins--;
    if (e.pins === 0 && this.residentBytes > this.capacity) this.makeRoom(0);
  }

  /** One string per key, so the pool's map hashes it once (a long trace re-admits the same adapters). */
  private ownerOf(key: string): string {
    let o = this.owners.get(key);
    if (o === undefined) this.owners.set(key, (o = this.prefix + key));
    return o;
  }

  private makeRoom(bytes: number): void {
    while (this.residentBytes + bytes > this.capacity) {
      const v = this.policy.victim(this.evictable);
      if (v === undefined) return;
      const e = this.entries.get(v)!;
      this.entries.delete(v);
      this.policy.remove(v);
      this.pool.release(e.owner);
      this.residentBytes -= e.bytes;
      this.evictions++;
    }
  }
}
