/**
 * Random eviction: a uniformly drawn candidate, from the run's own `eviction` RNG stream (so it is
 * seeded and draws nothing from the predictor's stream). The baseline LRU is compared with (LRU
 * hit rates on Mixtral are close to random eviction: docs/sources.md).
 */
import type { EvictionFactory } from '../../types.js';

export const random: EvictionFactory = (_cfg, _model, rng) => ({
  victim(_view, candidates, n) {
    return candidates[rng.int(n)]!;
  },
});
