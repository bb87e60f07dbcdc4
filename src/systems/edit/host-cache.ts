/**
 * The host-DRAM tier of template activation caches, shared by the GPU workers of one host, with
 * disk below it. A template's cache is one allocation in a host MemoryPool (all its steps); LRU
 * evicts templates no queued or running request holds (pins). A template that is not resident is
 * fetched from disk step-chunk by step-chunk over the shared disk Link, so a request can use the
 * chunks that have arrived while the rest stream in; a step whose chunk is missing recomputes.
 *
 * 'warm' start: templates enter host memory without disk I/O on first use while they fit without
 * evicting anything (the caches were built by earlier runs); 'cold': every first use is a fetch.
 */
import type { Env } from '../../engine/env.js';
import type { Link, Transfer } from '../../engine/link.js';
import type { MemoryPool } from '../../engine/memory.js';

export interface Template {
  readonly id: string;
  readonly chunkBytes: number;
  readonly chunks: number;
  /** Step chunks present in host memory (0..chunks). */
  ready: number;
  /** Requests queued or running that reference it. */
  pins: number;
  /** Holds its host allocation. */
  allocated: boolean;
  /** Waiting for host space to start a fetch. */
  pending: boolean;
  transfer: Transfer | null;
  /** Too large for the host tier: every step recomputes. */
  uncacheable: boolean;
}

export class HostCache {
  /** Map iteration order is the LRU order (least recent first); touching re-inserts. */
  private readonly entries = new Map<string, Template>();
  private readonly waiting: Template[] = [];
  fetches = 0;
  evictions = 0;
  diskBytes = 0;

  constructor(
    private readonly env: Env,
    readonly pool: MemoryPool,
    private readonly disk: Link,
    private readonly warm: boolean,
  ) {}

  /**
   * Pin the template for a request and mark it most recently used. With `fetch`, start bringing it
   * in if it is not resident (the prefetch while the request waits in a queue).
   */
  acquire(id: string, chunkBytes: number, chunks: number, fetch: boolean): Template {
    let t = this.entries.get(id);
    if (t) {
      this.entries.delete(id);
    } else {
      t = { id, chunkBytes, chunks, ready: 0, pins: 0, allocated: false, pending: false, transfer: null, uncacheable: chunkBytes * chunks > this.pool.capacity };
      if (this.warm && !t.uncacheable && this.pool.tryAlloc(id, chunkBytes * chunks)) {
        t.allocated = true;
        t.ready = chunks;
      }
    }
    this.entries.set(id, t);
    t.pins++;
    if (fetch) this.ensure(t);
    return t;
  }

  /** Start fetching a template that is not (being) brought in. */
  ensure(t: Template): void {
    if (t.allocated || t.pending || t.uncacheable) return;
    if (this.makeRoom(t.chunkBytes * t.chunks) && this.pool.tryAlloc(t.id, t.chunkBytes * t.chunks)) {
      t.allocated = true;
      this.fetchChunk(t);
    } else {
      t.pending = true;
      this.waiting.push(t);
    }
  }

  release(t: Template): void {
    t.pins--;
    if (t.pins === 0 && this.waiting.length > 0) this.retryWaiting();
  }

  /** Fully resident in host memory. */
  resident(t: Template): boolean {
    return t.ready >= t.chunks;
  }

  get residentCount(): number {
    let n = 0;
    for (const t of this.entries.values()) if (t.allocated) n++;
    return n;
  }

  private fetchChunk(t: Template): void {
    if (t.ready >= t.chunks) return;
    this.fetches += t.ready === 0 ? 1 : 0;
    t.transfer = this.disk.transfer(t.chunkBytes, {
      label: 'fetch',
      args: { template: t.id, chunk: t.ready, bytes: t.chunkBytes },
      onDone: () => {
        t.transfer = null;
        t.ready++;
        this.diskBytes += t.chunkBytes;
        this.fetchChunk(t);
      },
    });
  }

  /** Evict unpinned templates, least recently used first, until `bytes` fit. */
  private makeRoom(bytes: number): boolean {
    if (this.pool.fits(bytes)) return true;
    for (const t of this.entries.values()) {
      if (t.pins > 0 || !t.allocated) continue;
      this.evict(t);
      if (this.pool.fits(bytes)) return true;
    }
    return this.pool.fits(bytes);
  }

  private evict(t: Template): void {
    if (t.transfer) this.disk.cancel(t.transfer);
    t.transfer = null;
    this.pool.release(t.id);
    t.allocated = false;
    t.ready = 0;
    this.evictions++;
    this.entries.delete(t.id);
  }

  private retryWaiting(): void {
    const queue = this.waiting.splice(0);
    for (const t of queue) {
      t.pending = false;
      if (t.pins > 0) this.ensure(t);
    }
    // Forget unpinned, never-fetched entries so the map does not grow with the catalogue's tail.
    for (const t of queue) if (!t.allocated && t.pins === 0 && !t.pending) this.entries.delete(t.id);
  }
}
