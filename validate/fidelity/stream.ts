/**
 * A fidelity workload is written once, as a generator of device commands, and run twice: on the
 * device (device-driver.ts) and in the simulator (sim-driver.ts). Each yield hands back the
 * driver's clock (seconds since the run started), so timing-dependent decisions - which waiting
 * requests join a batch, when a request starts - are taken by the same code on either side, and
 * timing-independent ones (routing, cache contents) produce the identical op sequence.
 */
import type { Op } from '../../src/cost/ops.js';

export type Cmd =
  /** Host idles until `time` (a request's arrival). */
  | { t: 'wait_until'; time: number }
  /** Issue an upload of `source`'s bytes into device buffer `slot`. */
  | { t: 'upload'; slot: string; source: string; bytes: number }
  /** Issue compute `key` (one command buffer) priced as `op`; it reads `slots`. */
  | { t: 'compute'; key: string; op: Op; slots: string[] }
  /** Read back `bytes` of the latest output and wait for it: everything issued so far is done. */
  | { t: 'sync'; bytes: number }
  /** Just read the clock. */
  | { t: 'now' };

export type Workload = Generator<Cmd, void, number>;

/** What a run records: one entry per finished request (and per token for decode). */
export interface RunRecord {
  requests: Array<{ id: number; arrival: number; done: number; units: number }>;
  /** Per-unit latencies (time per output token, or per denoising step), seconds. */
  unitLatencies: number[];
  makespan: number;
  uploads: number;
  uploadBytes: number;
}

export function emptyRecord(): RunRecord {
  return { requests: [], unitLatencies: [], makespan: 0, uploads: 0, uploadBytes: 0 };
}

/** Drive `wl` with a synchronous handler (the simulator's side uses its own loop). */
export interface DeviceSide {
  /** Buffer a slot name refers to. */
  slot(name: string): GPUBuffer;
  /** Host bytes of an upload source. */
  source(name: string): Uint8Array;
  /** The command buffer(s) of a compute key. */
  compute(key: string): import('../kernels/pipeline.js').Invocation[];
  /** Buffer read back at a sync. */
  output: GPUBuffer;
  /** Compute keys worth running once before timing (compiles pipelines, touches every buffer). */
  warmKeys: string[];
  destroy(): void;
}
