/**
 * A memory pool (GPU HBM, host DRAM): a capacity that is never exceeded. Every resident item is an
 * allocation under an owner name, so a failure can say who holds what. alloc() refuses to
 * over-commit with a MemoryError; tryAlloc() returns false so a policy can evict and retry.
 */
import { MemoryError } from '../errors.js';
import type { TraceSink } from './trace.js';

export interface MemoryPoolOptions {
  trace?: TraceSink;
  /** Clock for trace counters. */
  now?: () => number;
}

export class MemoryPool {
  private holders = new Map<string, number>();
  private usedBytes = 0;
  private peakBytes = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
    private readonly opts: MemoryPoolOptions = {},
  ) {
    if (!(capacity >= 0)) throw new MemoryError(`memory ${name}: capacity must be >= 0, got ${capacity}`);
  }

  get used(): number {
    return this.usedBytes;
  }
  get free(): number {
    return this.capacity - this.usedBytes;
  }
  get peak(): number {
    return this.peakBytes;
  }

  /** Bytes held by `owner` (0 if none). */
  held(owner: string): number {
    return this.holders.get(owner) ?? 0;
  }

  has(owner: string): boolean {
    return this.holders.has(owner);
  }

  fits(bytes: number): boolean {
    return this.usedBytes + bytes <= this.capacity;
  }

  /** Allocate or refuse (false) without throwing. Repeated allocations by one owner add up. */
  tryAlloc(owner: string, bytes: number): boolean {
    if (!(bytes >= 0)) throw new MemoryError(`memory ${this.name}: cannot allocate ${bytes} bytes for ${owner}`);
    if (this.usedBytes + bytes > this.capacity) return false;
    this.holders.set(owner, (this.holders.get(owner) ?? 0) + bytes);
    this.usedBytes += bytes;
    if (this.usedBytes > this.peakBytes) this.peakBytes = this.usedBytes;
    this.emit();
    return true;
  }

  /** Allocate, or throw a MemoryError that lists the largest holders. */
  alloc(owner: string, bytes: number): void {
    if (!this.tryAlloc(owner, bytes)) {
      throw new MemoryError(
        `memory ${this.name}: allocating ${fmtBytes(bytes)} for ${owner} would exceed capacity ` +
          `${fmtBytes(this.capacity)} (${fmtBytes(this.usedBytes)} used by ${this.describeHolders(3)})`,
      );
    }
  }

  /** Free `bytes` of owner's holding, or all of it when bytes is omitted. Returns bytes freed. */
  release(owner: string, bytes?: number): number {
    const have = this.holders.get(owner);
    if (have === undefined) return 0;
    const amount = bytes === undefined ? have : Math.min(bytes, have);
    if (amount >= have) this.holders.delete(owner);
    else this.holders.set(owner, have - amount);
    this.usedBytes -= amount;
    if (this.usedBytes < 1e-6) this.usedBytes = Math.max(0, this.usedBytes);
    this.emit();
    return amount;
  }

  /** Holders sorted by bytes, largest first. */
  report(): Array<{ owner: string; bytes: number }> {
    return [...this.holders.entries()].map(([owner, bytes]) => ({ owner, bytes })).sort((a, b) => b.bytes - a.bytes);
  }

  describeHolders(n: number): string {
    const r = this.report();
    if (r.length === 0) return 'nobody';
    const head = r.slice(0, n).map((h) => `${h.owner} ${fmtBytes(h.bytes)}`);
    return head.join(', ') + (r.length > n ? ` and ${r.length - n} more` : '');
  }

  private emit(): void {
    if (this.opts.trace && this.opts.now) this.opts.trace.counter(this.name, this.opts.now(), this.usedBytes);
  }
}

export function fmtBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2)} ${units[i]}`;
}
