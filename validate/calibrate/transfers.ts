/**
 * Host<->device transfers, timed on the wall clock (copies cannot carry timestamps):
 *  - h2d via queue.writeBuffer (Dawn copies into its staging ring, then a copy command runs);
 *  - h2d via a mapped staging buffer (mappedAtCreation, fill, unmap, copyBufferToBuffer);
 *  - d2h readback (copy into a MAP_READ buffer, mapAsync, copy out).
 * Uploads are issued `n` at a time with one sync at the end, minus the measured cost of a sync,
 * so the figure is an upload's cost in a stream (as the workloads issue them). Each batch of
 * uploads follows a tiny dispatch that reads the destination, so the buffer is in use and Dawn
 * takes its staging path, as it does for a workload's cache slots (on a unified-memory software
 * adapter an idle buffer is written directly, several times faster than a workload ever sees). A readback ends in
 * its own sync, so its time is taken whole: its latency is the round trip a workload pays.
 * Sizes run 1 KiB .. 1 GiB, capped by the adapter's maxBufferSize, host memory and a time budget.
 */
import { freemem } from 'node:os';
import type { Gpu } from '../gpu/device.js';
import { alignUp, storageBuffer } from '../gpu/buffers.js';
import { pipeline } from '../kernels/pipeline.js';
import { median, summarise } from '../harness/stats.js';
import { syncSeconds } from '../harness/timer.js';
import type { Skip } from './sweep.js';

export type TransferKind = 'h2d' | 'h2d_mapped' | 'd2h';

export interface TransferSample {
  link: TransferKind;
  bytes: number;
  seconds: number[];
  median_s: number;
  spread: number;
}

export interface TransferOptions {
  mode: 'quick' | 'full';
  reps: number;
  /** Skip sizes estimated above this many seconds per transfer. */
  maxSeconds: number;
  log: (line: string) => void;
}

export function transferSizes(mode: 'quick' | 'full'): number[] {
  const top = mode === 'quick' ? 26 : 30; // 64 MiB or 1 GiB
  const step = mode === 'quick' ? 2 : 1;
  const out: number[] = [];
  for (let e = 10; e <= top; e += step) out.push(2 ** e);
  if (mode === 'full') for (let e = 11; e < top; e += 2) out.push(3 * 2 ** e); // between powers of two
  return out.sort((a, b) => a - b);
}

const TOUCH = `@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(1) fn main() { dst[0] = src[0]; }`;

/** Submit a one-thread dispatch that reads `buf` (marks it in use on the queue). */
function touchFor(d: GPUDevice, buf: GPUBuffer): () => void {
  const p = pipeline(d, TOUCH, 'touch');
  const out = storageBuffer(d, 16);
  const bg = d.createBindGroup({ layout: p.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf, offset: 0, size: 256 } }, { binding: 1, resource: { buffer: out } }] });
  return () => {
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(1);
    pass.end();
    d.queue.submit([enc.finish()]);
  };
}

async function timeUploads(gpu: Gpu, kind: 'h2d' | 'h2d_mapped', dst: GPUBuffer, host: Uint8Array, bytes: number, n: number, sync: number, touch: () => void): Promise<number> {
  const d = gpu.device;
  const t0 = performance.now();
  touch();
  for (let i = 0; i < n; i++) {
    if (kind === 'h2d') {
      d.queue.writeBuffer(dst, 0, host, 0, bytes);
    } else {
      const staging = d.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
      new Uint8Array(staging.getMappedRange()).set(host.subarray(0, bytes));
      staging.unmap();
      const enc = d.createCommandEncoder();
      enc.copyBufferToBuffer(staging, 0, dst, 0, bytes);
      d.queue.submit([enc.finish()]);
      staging.destroy();
    }
  }
  await d.queue.onSubmittedWorkDone();
  // Floor at 0.1 us: below that the figure is the sync's noise, not the upload.
  return Math.max(1e-7, ((performance.now() - t0) / 1e3 - sync) / n);
}

async function timeReadback(gpu: Gpu, src: GPUBuffer, bytes: number): Promise<number> {
  const d = gpu.device;
  const t0 = performance.now();
  const dst = d.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = d.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, dst, 0, bytes);
  d.queue.submit([enc.finish()]);
  await dst.mapAsync(GPUMapMode.READ);
  const copy = new Uint8Array(dst.getMappedRange()).slice();
  dst.unmap();
  dst.destroy();
  const s = (performance.now() - t0) / 1e3;
  if (copy.length !== bytes) throw new Error('readback size mismatch');
  return s;
}

export async function measureTransfers(gpu: Gpu, o: TransferOptions): Promise<{ samples: TransferSample[]; skipped: Skip[]; sync_s: number }> {
  const d = gpu.device;
  const sync0 = median(await syncSeconds(d, 15));
  let sync = sync0;
  const samples: TransferSample[] = [];
  const skipped: Skip[] = [];
  const sizes = transferSizes(o.mode);
  const maxBytes = sizes[sizes.length - 1]!;
  const last: Record<TransferKind, TransferSample | undefined> = { h2d: undefined, h2d_mapped: undefined, d2h: undefined };
  let host = new Uint8Array(0);
  let dev: GPUBuffer | undefined;
  let touch: () => void = () => {};
  for (const bytes of sizes) {
    const size = alignUp(bytes, 4);
    if (size > gpu.maxBufferSize) {
      skipped.push({ what: `transfers of ${bytes} B`, reason: `above the adapter's maxBufferSize ${gpu.maxBufferSize}` });
      continue;
    }
    // Host array + staging copy + readback copy, with headroom.
    if (4 * size > freemem()) {
      skipped.push({ what: `transfers of ${bytes} B`, reason: `needs ~${(4 * size) / 2 ** 20} MiB of free host memory, ${Math.round(freemem() / 2 ** 20)} MiB free` });
      continue;
    }
    if (host.length < size) {
      host = new Uint8Array(size);
      for (let i = 0; i < size; i += 4096) host[i] = i & 255;
    }
    if (!dev) {
      d.pushErrorScope('out-of-memory');
      dev = d.createBuffer({
        size: Math.min(alignUp(maxBytes, 4), gpu.maxBufferSize),
        usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | GPUBufferUsage.STORAGE,
      });
      const err = await d.popErrorScope();
      if (err) {
        skipped.push({ what: `transfers of ${bytes} B and above`, reason: `device out of memory (${err.message})` });
        break;
      }
      touch = touchFor(d, dev);
      // The baseline subtracted from upload batches: the touch dispatch and the sync.
      const base: number[] = [];
      for (let i = 0; i < 9; i++) {
        const t0 = performance.now();
        touch();
        await d.queue.onSubmittedWorkDone();
        base.push((performance.now() - t0) / 1e3);
      }
      sync = median(base);
    }
    for (const link of ['h2d', 'h2d_mapped', 'd2h'] as const) {
      const prev = last[link];
      const est = prev ? prev.median_s * (bytes / prev.bytes) : 0;
      if (est * (o.reps + 1) > o.maxSeconds * o.reps) {
        skipped.push({ what: `${link} ${bytes} B`, reason: `estimated ${est.toFixed(2)} s per transfer > budget ${o.maxSeconds} s` });
        continue;
      }
      // Several uploads per sync for small sizes (the sync would dominate), one for large ones.
      const n = Math.max(1, Math.min(64, Math.floor(2 ** 24 / bytes)));
      const secs: number[] = [];
      for (let r = 0; r <= o.reps; r++) {
        const s = link === 'd2h' ? await timeReadback(gpu, dev!, size) : await timeUploads(gpu, link, dev!, host, size, n, sync, touch);
        if (r > 0) secs.push(s); // first is warm-up
      }
      const sample: TransferSample = { link, bytes: size, ...summarise(secs) };
      samples.push(sample);
      last[link] = sample;
      o.log(`${link} ${size} B: ${(sample.median_s * 1e3).toFixed(3)} ms (${((size / sample.median_s) / 1e9).toFixed(2)} GB/s)`);
    }
  }
  dev?.destroy();
  return { samples, skipped, sync_s: sync0 };
}
