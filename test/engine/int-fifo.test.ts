import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors.js';
import { Fifo, IntFifo } from '../../src/engine/queues.js';

describe('IntFifo', () => {
  it('keeps insertion order across growth and wrap-around', () => {
    const q = new IntFifo();
    // Interleave pushes and shifts so the ring wraps before it grows (16 -> 32 -> 64).
    const expected: number[] = [];
    let next = 0;
    const got: number[] = [];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 3; i++) {
        q.push(next - 20); // negative values too (the MoE sim queues ~key for low-bit copies)
        expected.push(next - 20);
        next++;
      }
      got.push(q.shift());
      expect(q.length).toBe(expected.length - got.length);
    }
    while (q.length > 0) got.push(q.shift());
    expect(got).toEqual(expected);
    expect(got).toHaveLength(120);
  });

  it('gives what a Fifo<number> gives for a random sequence of operations', () => {
    const a = new IntFifo();
    const b = new Fifo<number>();
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 5000; i++) {
      if (rand() < 0.55 || b.length === 0) {
        const x = Math.floor(rand() * 2 ** 31) - 2 ** 30;
        a.push(x);
        b.push(x);
      } else if (rand() < 0.5) {
        expect(a.peek()).toBe(b.peek());
      } else {
        expect(a.shift()).toBe(b.shift());
      }
      expect(a.length).toBe(b.length);
    }
  });

  it('refuses to read an empty queue', () => {
    const q = new IntFifo();
    expect(() => q.shift()).toThrow(InvariantError);
    q.push(7);
    expect(q.peek()).toBe(7);
    expect(q.shift()).toBe(7);
    expect(() => q.peek()).toThrow(InvariantError);
  });
});
