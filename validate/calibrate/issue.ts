/**
 * Host cost of issuing one command: encoding a compute pass with an op's dispatches and submitting
 * it (JS and Dawn time on the calling thread, not the device's). On a GPU this work runs beside
 * the device; on a software adapter it takes CPU from the "device" itself, so the simulator
 * charges it to the compute stream there (see fidelity/sim-driver.ts).
 */
import type { Gpu } from '../gpu/device.js';
import { storageBuffer, upload } from '../gpu/buffers.js';
import { expertFfn } from '../kernels/ffn.js';
import { randomValues } from '../kernels/reference.js';
import { median } from '../harness/stats.js';

export async function measureIssueSeconds(gpu: Gpu, reps = 200): Promise<number> {
  const d = gpu.device;
  const s = { tokens: 1, hidden: 64, ffn: 64 };
  const bufs = {
    weights: upload(d, randomValues(3 * 64 * 64, 3), 'f32'),
    x: upload(d, randomValues(64, 4), 'f32'),
    h: storageBuffer(d, 256),
    y: storageBuffer(d, 256),
  };
  const invs = expertFfn(d, 'f32', s, bufs);
  const per: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    invs.forEach((i) => i.encode(pass));
    pass.end();
    d.queue.submit([enc.finish()]);
    per.push((performance.now() - t0) / 1e3);
    if (r % 16 === 15) await d.queue.onSubmittedWorkDone();
  }
  await d.queue.onSubmittedWorkDone();
  Object.values(bufs).forEach((b) => b.destroy());
  return median(per.slice(reps / 10));
}
