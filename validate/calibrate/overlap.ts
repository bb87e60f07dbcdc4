/**
 * How much an upload overlaps compute on this device: time a GEMM alone, an upload alone, and the
 * two issued together (compute first, then the upload, as a prefetch is issued behind running
 * work), each ended by one sync whose own cost is subtracted. Sizes are chosen so both take about
 * the same time, where the overlap factor is best determined.
 */
import type { Gpu } from '../gpu/device.js';
import { storageBuffer, upload } from '../gpu/buffers.js';
import { gemm } from '../kernels/gemm.js';
import type { Invocation } from '../kernels/pipeline.js';
import { randomValues } from '../kernels/reference.js';
import { median } from '../harness/stats.js';
import { overlapFactor } from './fit.js';

export interface OverlapMeasurement {
  overlap: number;
  copy_s: number;
  compute_s: number;
  both_s: number;
  bytes: number;
  gemm_n: number;
}

function encodeOnce(d: GPUDevice, inv: Invocation): GPUCommandBuffer {
  const enc = d.createCommandEncoder();
  const pass = enc.beginComputePass();
  inv.encode(pass);
  pass.end();
  return enc.finish();
}

async function wall(d: GPUDevice, issue: () => void, sync: number): Promise<number> {
  const t0 = performance.now();
  issue();
  await d.queue.onSubmittedWorkDone();
  return Math.max(1e-9, (performance.now() - t0) / 1e3 - sync);
}

export async function measureOverlap(
  gpu: Gpu,
  o: { targetSeconds: number; reps: number; sync_s: number; log: (l: string) => void },
): Promise<OverlapMeasurement> {
  const d = gpu.device;
  const make = (n: number) => {
    const a = upload(d, randomValues(n * n, 7), 'f32');
    const b = upload(d, randomValues(n * n, 8), 'f32');
    const c = storageBuffer(d, n * n * 4);
    return { inv: gemm(d, 'f32', { a, b, c, m: n, n, k: n }), bufs: [a, b, c] };
  };
  // Size the GEMM to the target from a probe at n = 256 (time ~ n^3).
  let n = 256;
  let g = make(n);
  const timeGemm = async () => {
    const xs: number[] = [];
    for (let i = 0; i < 3; i++) xs.push(await wall(d, () => d.queue.submit([encodeOnce(d, g.inv)]), o.sync_s));
    return median(xs.slice(1));
  };
  const probe = await timeGemm();
  n = Math.max(64, Math.min(4096, Math.round((256 * Math.cbrt(o.targetSeconds / probe)) / 64) * 64));
  g.bufs.forEach((b) => b.destroy());
  g = make(n);
  const computeS = await timeGemm();
  // Upload bandwidth at this scale, measured here (the link fit is weighted towards small sizes).
  const probeBytes = 2 ** 24;
  const probeHost = new Uint8Array(probeBytes).fill(1);
  const probeDst = storageBuffer(d, probeBytes);
  const probeTimes: number[] = [];
  for (let i = 0; i < 3; i++) probeTimes.push(await wall(d, () => d.queue.writeBuffer(probeDst, 0, probeHost), o.sync_s));
  probeDst.destroy();
  const bw = probeBytes / median(probeTimes.slice(1));
  const cap = Math.min(gpu.maxBufferSize, 2 ** 27);
  let bytes = Math.floor(Math.min(cap, Math.max(2 ** 16, computeS * bw)) / 256) * 256;
  // One correction at the chosen size: bandwidth at 16 MiB need not hold at other sizes.
  {
    const h = new Uint8Array(bytes).fill(1);
    const b = storageBuffer(d, bytes);
    const ts: number[] = [];
    for (let i = 0; i < 3; i++) ts.push(await wall(d, () => d.queue.writeBuffer(b, 0, h), o.sync_s));
    b.destroy();
    bytes = Math.floor(Math.min(cap, Math.max(2 ** 16, (bytes * computeS) / median(ts.slice(1)))) / 256) * 256;
  }
  const host = new Uint8Array(bytes).fill(1); // touched, so page faults are not timed
  const dst = storageBuffer(d, bytes);
  const copy = () => d.queue.writeBuffer(dst, 0, host);
  const compute = () => d.queue.submit([encodeOnce(d, g.inv)]);
  const tc: number[] = [];
  const tk: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r <= o.reps; r++) {
    const c = await wall(d, copy, o.sync_s);
    const k = await wall(d, compute, o.sync_s);
    const b = await wall(
      d,
      () => {
        compute();
        copy();
      },
      o.sync_s,
    );
    if (r > 0) [tc, tk, tb].forEach((xs, i) => xs.push([c, k, b][i]!));
  }
  dst.destroy();
  g.bufs.forEach((b) => b.destroy());
  const m = { copy_s: median(tc), compute_s: median(tk), both_s: median(tb) };
  const overlap = overlapFactor(m.copy_s, m.compute_s, m.both_s);
  o.log(
    `overlap: copy ${(m.copy_s * 1e3).toFixed(2)} ms, gemm ${n}^3 ${(m.compute_s * 1e3).toFixed(2)} ms, both ${(m.both_s * 1e3).toFixed(2)} ms -> ${overlap.toFixed(3)}`,
  );
  return { overlap, ...m, bytes, gemm_n: n };
}
