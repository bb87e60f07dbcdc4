/** ControlNet placement policies by name. */
import type { ControlNetFactory } from '../../types.js';
import { parallel } from './parallel.js';
import { serial } from './serial.js';
import { stale } from './stale.js';

export const controlnetPlacements = { serial, parallel, stale } as const satisfies Record<string, ControlNetFactory>;
