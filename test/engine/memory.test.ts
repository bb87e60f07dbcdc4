import { describe, expect, it } from 'vitest';
import { MemoryPool } from '../../src/engine/index.js';
import { MemoryError } from '../../src/errors.js';

describe('MemoryPool', () => {
  it('accounts allocations per owner and tracks the peak', () => {
    const m = new MemoryPool('gpu0', 100);
    m.alloc('weights', 60);
    m.alloc('expert:1', 30);
    expect(m.used).toBe(90);
    expect(m.held('weights')).toBe(60);
    m.release('expert:1');
    expect(m.used).toBe(60);
    expect(m.peak).toBe(90);
    expect(m.report()).toEqual([{ owner: 'weights', bytes: 60 }]);
  });

  it('refuses over-commit with an error that names the holders', () => {
    const m = new MemoryPool('gpu0', 2 ** 30);
    m.alloc('weights', 0.75 * 2 ** 30);
    expect(() => m.alloc('cache', 0.5 * 2 ** 30)).toThrow(MemoryError);
    expect(() => m.alloc('cache', 0.5 * 2 ** 30)).toThrow(/gpu0: allocating 512.00 MiB for cache would exceed capacity 1.00 GiB \(768.00 MiB used by weights 768.00 MiB\)/);
    expect(m.used).toBe(0.75 * 2 ** 30);
  });

  it('tryAlloc returns false instead of throwing, and partial release works', () => {
    const m = new MemoryPool('host', 10);
    expect(m.tryAlloc('a', 8)).toBe(true);
    expect(m.tryAlloc('b', 3)).toBe(false);
    expect(m.release('a', 5)).toBe(5);
    expect(m.tryAlloc('b', 3)).toBe(true);
    expect(m.used).toBe(6);
  });
});
