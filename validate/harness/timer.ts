/**
 * Timing on the device. Compute is timed with timestamp queries when the adapter has them (the
 * device's own clock, from the start of the first pass to the end of the last), else with the wall
 * clock around queue.onSubmittedWorkDone. Each repetition submits `inner` back-to-back command
 * buffers of the op and divides, so the figure is what an op costs in a stream with the host
 * ahead of the device - the regime the fidelity workloads run in.
 */
import type { Gpu } from '../gpu/device.js';
import type { Invocation } from '../kernels/pipeline.js';
import { summarise, type TimingSummary } from './stats.js';

export type TimingMethod = 'timestamp-query' | 'wall-clock';

export interface RepeatOptions {
  warmup: number;
  reps: number;
  /** Aim for at least this many seconds per repetition (sets `inner`). */
  minRepSeconds: number;
  /** Cap on back-to-back submissions per repetition. */
  maxInner: number;
  /**
   * Cheap ops get more repetitions, up to `maxReps`, while they fit in this many seconds: on a
   * jittery device a median of 7 leaves small shapes 30-50% apart from one calibration to the next.
   */
  budgetSeconds?: number;
  maxReps?: number;
}

export const QUICK_REPEAT: RepeatOptions = { warmup: 2, reps: 5, minRepSeconds: 0.01, maxInner: 16 };
export const FULL_REPEAT: RepeatOptions = { warmup: 2, reps: 7, minRepSeconds: 0.005, maxInner: 64, budgetSeconds: 0.3, maxReps: 31 };

export class DeviceTimer {
  readonly method: TimingMethod;
  private querySet?: GPUQuerySet;
  private resolve?: GPUBuffer;
  private read?: GPUBuffer;

  constructor(
    private readonly gpu: Gpu,
    method?: TimingMethod,
  ) {
    this.method = method ?? (gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock');
    if (this.method === 'timestamp-query') {
      if (!gpu.hasTimestamps) throw new Error('timestamp-query timing asked for on an adapter without it');
      const d = gpu.device;
      this.querySet = d.createQuerySet({ type: 'timestamp', count: 2 });
      this.resolve = d.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.read = d.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
  }

  /** Seconds for `inner` back-to-back submissions of `invs` (each its own command buffer and pass). */
  async run(invs: Invocation[], inner: number): Promise<number> {
    const d = this.gpu.device;
    const bufs: GPUCommandBuffer[] = [];
    for (let i = 0; i < inner; i++) {
      const enc = d.createCommandEncoder();
      const ts: GPUComputePassTimestampWrites | undefined = this.querySet
        ? {
            querySet: this.querySet,
            ...(i === 0 ? { beginningOfPassWriteIndex: 0 } : {}),
            ...(i === inner - 1 ? { endOfPassWriteIndex: 1 } : {}),
          }
        : undefined;
      const pass = enc.beginComputePass(ts && (i === 0 || i === inner - 1) ? { timestampWrites: ts } : {});
      for (const inv of invs) inv.encode(pass);
      pass.end();
      if (this.querySet && i === inner - 1) {
        enc.resolveQuerySet(this.querySet, 0, 2, this.resolve!, 0);
        enc.copyBufferToBuffer(this.resolve!, 0, this.read!, 0, 16);
      }
      bufs.push(enc.finish());
    }
    if (!this.querySet) {
      const t0 = performance.now();
      d.queue.submit(bufs);
      await d.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / 1e3;
    }
    d.queue.submit(bufs);
    await this.read!.mapAsync(GPUMapMode.READ);
    const ts = new BigUint64Array(this.read!.getMappedRange().slice(0));
    this.read!.unmap();
    return Number(ts[1]! - ts[0]!) / 1e9;
  }

  /** Warm up, pick `inner`, then time `reps` repetitions; per-op seconds. */
  async measure(invs: Invocation[], o: RepeatOptions): Promise<TimingSummary & { inner: number }> {
    let first = 0;
    for (let i = 0; i < Math.max(1, o.warmup); i++) first = await this.run(invs, 1);
    const inner = Math.max(1, Math.min(o.maxInner, Math.ceil(o.minRepSeconds / Math.max(first, 1e-7))));
    const byBudget = o.budgetSeconds ? Math.floor(o.budgetSeconds / Math.max(first * inner, 1e-7)) : 0;
    const reps = Math.max(o.reps, Math.min(o.maxReps ?? o.reps, byBudget));
    const seconds: number[] = [];
    for (let r = 0; r < reps; r++) seconds.push((await this.run(invs, inner)) / inner);
    return { ...summarise(seconds), inner };
  }
}

/** Wall-clock seconds of an empty queue round trip (issue nothing, wait for the queue). */
export async function syncSeconds(device: GPUDevice, reps = 9): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await device.queue.onSubmittedWorkDone();
    out.push((performance.now() - t0) / 1e3);
  }
  return out;
}
