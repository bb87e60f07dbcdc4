/**
 * A warm-up that discards the whole workload leaves metrics with nothing in them (null latencies,
 * zero throughput) that read like a result; every system refuses such a run the same way: a
 * ConfigError naming the warm-up field to lower. The count a system discards by is its `unit`:
 * decode tokens (moe) or completed requests (edit, t2i).
 */
import { ConfigError } from '../errors.js';
import type { WarmupConfig } from './types.js';

export type WarmupUnit = 'decode token' | 'request';

const COUNT_FIELD = { 'decode token': 'tokens', request: 'requests' } as const;

/**
 * Before a run, when the workload's size is known (a generator): a warm-up count at or above it
 * can never leave anything to measure.
 */
export function checkWarmupCount(warmup: WarmupConfig, unit: WarmupUnit, workload: number): void {
  const n = warmup[COUNT_FIELD[unit]];
  if (n !== undefined && n >= workload) {
    throw new ConfigError(`warm-up of ${n} ${unit}s leaves no ${unit} to measure: the workload has ${workload}`, { field: `warmup.${COUNT_FIELD[unit]}` });
  }
}

/** After a run that measured nothing because of the warm-up: `done` is what the workload completed. */
export function refuseUnmeasured(warmup: WarmupConfig, unit: WarmupUnit, done: number): never {
  const count = COUNT_FIELD[unit];
  // The fields that discard something (a count or seconds above 0), the count first; a zero one
  // discards nothing and is not the field to lower. Neither cannot happen (nothing discarded).
  const n = warmup[count] ?? 0;
  const s = warmup.seconds ?? 0;
  const fields = [n > 0 ? `warmup.${count}` : '', s > 0 ? 'warmup.seconds' : ''].filter(Boolean);
  const what = [n > 0 ? `${n} ${unit}s` : '', s > 0 ? `${s} s` : ''].filter(Boolean).join(', ');
  throw new ConfigError(`warm-up (${what}) leaves no ${unit} to measure: the workload has ${done}`, { field: fields.length ? fields : [`warmup.${count}`] });
}
