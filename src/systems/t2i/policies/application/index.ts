/** LoRA application policies by name. */
import type { ApplicationFactory } from '../../types.js';
import { async } from './async.js';
import { merge } from './merge.js';
import { sync } from './sync.js';
import { unmerged } from './unmerged.js';

export const loraApplications = { sync, merge, async, unmerged } as const satisfies Record<string, ApplicationFactory>;
