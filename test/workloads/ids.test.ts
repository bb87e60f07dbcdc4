import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/workloads/ids.js';

describe('IdSet', () => {
  it('add(id) agrees with a Set<string> on any ids (bitmap and fallback paths alike)', () => {
    const id = fc.oneof(
      fc.nat({ max: 5000 }).map((n) => `r${n}`),
      fc.nat({ max: 300 }).map((n) => `req-${n}`),
      fc.nat().map(String),
      fc.constantFrom('r007', 'r0', 'r00', 'a1b2', 'r99999999999', 'r67108864', 'r67108863', ''),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 200 }), (ids) => {
        const s = new IdSet();
        const ref = new Set<string>();
        for (const x of ids) {
          expect(s.add(x)).toBe(!ref.has(x));
          ref.add(x);
        }
        expect(s.size).toBe(ref.size);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps 5 M numbered ids in about a megabyte', () => {
    const s = new IdSet();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 5_000_000; i++) s.add(`r${i}`);
    expect(s.add('r4999999')).toBe(false);
    expect(s.size).toBe(5_000_000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 << 20);
  });
});
