/** Prefetch policies by name; the key is the name a scenario uses. */
import type { PrefetchFactory } from '../../types.js';
import { none } from './none.js';
import { previousToken } from './previous-token.js';
import { popularity } from './popularity.js';
import { predicted } from './predicted.js';
import { oracle } from './oracle.js';

export const PREFETCH_POLICIES = {
  none,
  'previous-token': previousToken,
  popularity,
  predicted,
  oracle,
} as const satisfies Record<string, PrefetchFactory>;
