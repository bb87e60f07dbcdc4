/**
 * Runs a workload's commands on the device: uploads by queue.writeBuffer, each compute as its own
 * command buffer and pass, a sync as a small readback (copy + mapAsync), waits by timer. The clock
 * is performance.now() from the start of the run.
 */
import type { Gpu } from '../gpu/device.js';
import { readBytes } from '../gpu/buffers.js';
import { submit } from '../kernels/pipeline.js';
import type { DeviceSide, Workload } from './stream.js';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runOnDevice(gpu: Gpu, side: DeviceSide, wl: Workload): Promise<void> {
  const d = gpu.device;
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1e3;
  let next = wl.next(0);
  while (!next.done) {
    const c = next.value;
    switch (c.t) {
      case 'wait_until': {
        const ms = (c.time - now()) * 1e3;
        if (ms > 1.5) await sleep(ms - 1);
        while (now() < c.time) {
          // spin the last millisecond: timers are coarser than the quantities measured
        }
        break;
      }
      case 'upload': {
        const src = side.source(c.source);
        d.queue.writeBuffer(side.slot(c.slot), 0, src, 0, c.bytes);
        break;
      }
      case 'compute':
        submit(d, side.compute(c.key));
        break;
      case 'sync': {
        const raw = await readBytes(d, side.output, Math.ceil(c.bytes / 4) * 4);
        const v = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
        if (v.some((x) => !Number.isFinite(x))) throw new Error('workload output is not finite: a kernel is broken');
        break;
      }
      case 'now':
        break;
    }
    next = wl.next(now());
  }
}
