/**
 * The popularity prefetcher picks the n most routed experts of the target layer, ties to the lower
 * id, by insertion into a short list: it must give exactly what sorting all experts by (count
 * descending, id ascending) gives, zero counts left out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { popularity } from '../../../src/systems/moe/policies/prefetch/popularity.js';
import type { MoePolicyConfig } from '../../../src/systems/moe/schemas.js';
import type { MoeModelSpec } from '../../../src/systems/moe/presets.js';
import type { PrefetchView } from '../../../src/systems/moe/types.js';

function bySorting(counts: Float64Array, base: number, E: number, n: number): number[] {
  const order = Array.from({ length: E }, (_, e) => e).sort((a, b) => counts[base + b]! - counts[base + a]! || a - b);
  return order.slice(0, n).filter((e) => counts[base + e]! > 0);
}

describe('popularity prefetcher', () => {
  it('equals a full sort by (count desc, id asc) for any counts, layer and batch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 48, maxLength: 48 }),
        fc.integer({ min: 0, max: 3 }),
        (E, topK, batch, raw, layer) => {
          const k = Math.min(topK, E);
          const model = { experts: E, topK: k } as MoeModelSpec;
          const counts = Float64Array.from(raw.slice(0, 4 * E));
          const policy = popularity({} as MoePolicyConfig, model);
          const view = { model, counts, batchSize: batch } as unknown as PrefetchView;
          const out: number[] = [];
          policy.predict(view, { step: 0, layer }, out);
          expect(out).toEqual(bySorting(counts, layer * E, E, Math.min(E, k * batch)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
