/**
 * `model.unmasked_layers`: UNet token-wise layers priced on every token (the artifact's
 * BasicTransformerBlock runs what follows its masked self-attention on the full tensor). FLOPs per
 * token by hand from models.ts unetGroup: self Q/O 2 d^2, cross Q/O 2 d^2 + 4 x 77 x d for the
 * scores over 77 text tokens, proj in/out 2 d^2, GEGLU FFN 12 d^2; 2 FLOPs a MAC.
 */
import { describe, expect, it } from 'vitest';
import { BatchShape, EditCosts, resolveEditModel, type EditModelConfig } from '../../../src/systems/edit/index.js';
import { input } from './helpers.js';

const hw = input({ workload: {} }).hardware;
const costs = (model: EditModelConfig) => new EditCosts(resolveEditModel(model), hw.gpuCost, hw.pcie, hw.gpu);

describe('model.unmasked_layers', () => {
  it('moves the named layers\' FLOPs and GEMMs out of the masked part, exactly', () => {
    const d = 320; // sd2.1 attn-64
    const base = resolveEditModel({ preset: 'sd2.1' }).groups[0]!;
    expect(base.maskableFlopsPerToken).toBe(2 * 18 * d * d + 4 * 77 * d); // 3,784,960
    expect(base.everyTokenFlopsPerToken).toBeUndefined();
    const sd2 = resolveEditModel({ preset: 'sd2.1', unmasked_layers: ['cross-attention', 'proj'] }).groups[0]!;
    // Left masked: self Q/O and the FFN, 14 d^2 MACs.
    expect(sd2.maskableFlopsPerToken).toBe(2 * 14 * d * d);
    expect(sd2.everyTokenFlopsPerToken).toBe(2 * 2 * d * d + 4 * 77 * d + 2 * 2 * d * d); // 917,760
    expect(sd2.gemms.tokenwise).toEqual([[d, d], [d, d], [8 * d, d], [d, 4 * d]]);
    expect(sd2.gemms.every).toEqual([[d, d], [d, d], [d, d], [d, d]]);
    const all = resolveEditModel({ preset: 'sd2.1', unmasked_layers: ['ffn', 'proj', 'cross-attention'] }).groups[0]!;
    expect(all.maskableFlopsPerToken).toBe(2 * 2 * d * d);
    expect(all.maskableFlopsPerToken + all.everyTokenFlopsPerToken!).toBe(base.maskableFlopsPerToken);
  });

  it('leaves a full step as it was and costs a masked one more, up to the full price at mask 1 (no wave model)', () => {
    const off: EditModelConfig = { preset: 'sd2.1', gemm_tile: 'off' };
    const a = costs(off);
    const b = costs({ ...off, unmasked_layers: ['cross-attention', 'proj'] });
    for (const m of [0.1, 0.3, 0.6]) {
      const s = new BatchShape().add(1, m, 1 - m);
      a.price(s);
      const [ca, fa] = [[...a.c], [...a.f]];
      b.price(s);
      for (let g = 0; g < 4; g++) {
        expect(b.f[g]).toBeCloseTo(fa[g]!, 15); // the same FLOPs on the same rows
        // The 8^2 mid block reads more weight bytes than it computes (memory-bound): no change there.
        expect(b.c[g]).toBeGreaterThanOrEqual(ca[g]!);
        expect(b.c[g]).toBeLessThanOrEqual(fa[g]!);
      }
      expect(b.c[0]).toBeGreaterThan(ca[0]!); // 4,096 tokens at width 320: compute-bound
    }
    const s1 = new BatchShape().add(1, 1, 0);
    b.price(s1);
    for (let g = 0; g < 4; g++) expect(b.c[g]).toBeCloseTo(b.f[g]!, 15);
  });

  it('is the default (none) byte for byte, and refused for Flux', () => {
    const s = new BatchShape().add(1, 0.2, 0.8);
    const a = costs({ preset: 'sdxl' });
    a.price(s);
    const c = [...a.c];
    const b = costs({ preset: 'sdxl', unmasked_layers: [] });
    b.price(s);
    expect([...b.c]).toEqual(c);
    expect(() => resolveEditModel({ preset: 'flux', unmasked_layers: ['ffn'] })).toThrow(/flux has no UNet layers/);
  });
});
