/** Miss fallbacks by name; the key is the name a scenario uses. */
import type { MissFactory } from '../../types.js';
import { fetch } from './fetch.js';
import { drop } from './drop.js';
import { cpu } from './cpu.js';
import { buddy } from './buddy.js';
import { lowbit } from './lowbit.js';

export const MISS_POLICIES = {
  fetch,
  drop,
  cpu,
  buddy,
  lowbit,
} as const satisfies Record<string, MissFactory>;
