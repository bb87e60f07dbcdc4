/**
 * How an upload (queue.writeBuffer) shares the device with compute, in the two orders a workload
 * issues them. Five cases, interleaved rep by rep so a shared host's drift hits all alike, each
 * after a tiny dispatch that reads the destination (so Dawn takes its staging path, as for a
 * workload's busy cache slots) and ended by one sync:
 *  - base: the touch dispatch and the sync alone (subtracted from the others);
 *  - copy: `uploads` writeBuffers of `chunk` bytes; the host's own time inside those calls is
 *    timed too;
 *  - compute: a chain of `chain` GEMM command buffers sized to about twice the copy;
 *  - behind: the chain, then the uploads (a copy issued while compute is queued: a prefetch
 *    behind the current layer, a demand fetch behind the gate);
 *  - ahead: the uploads, then the chain.
 * The simulator (fidelity/sim-driver.ts) takes two numbers from this:
 *  - `host_share` = host time inside writeBuffer / the copy's time: the part of an upload the
 *    issuing thread spends before it can issue the next command (on lavapipe writeBuffer copies
 *    on the host, so nearly all of it; on a discrete GPU a staging memcpy, a small part);
 *  - `overlap` = (copy + compute - behind) / copy, the share of a copy hidden behind compute
 *    queued ahead of it (the profile's `overlap`, which ProfileCost hands to every system).
 * `overlap_ahead` is the same for the other order, kept as evidence: where the host does the
 * copy it is near 0 (the compute is issued only after the copy returns), as the model predicts.
 * The compute is kept longer than the copy: with a shorter compute the formula saturates at 1
 * whatever the device does.
 */
import type { Gpu } from '../gpu/device.js';
import { storageBuffer, upload } from '../gpu/buffers.js';
import { gemm } from '../kernels/gemm.js';
import { pipeline, type Invocation } from '../kernels/pipeline.js';
import { randomValues } from '../kernels/reference.js';
import { median } from '../harness/stats.js';
import { overlapFactor } from './fit.js';

export interface OverlapTimings {
  /** Medians over the reps, seconds, each case including the touch dispatch and the sync. */
  base: number;
  copy: number;
  compute: number;
  ahead: number;
  behind: number;
  /** Host seconds inside the copy case's writeBuffer calls (median). */
  host_copy: number;
}

export interface OverlapMeasurement {
  /** Share of a copy hidden behind compute queued ahead of it (the profile's `overlap`). */
  overlap: number;
  /** The same for a copy queued ahead of the compute (evidence; not used by the simulator). */
  overlap_ahead: number;
  /** Share of a copy's time the issuing host spends inside writeBuffer. */
  host_share: number;
  copy_s: number;
  compute_s: number;
  ahead_s: number;
  behind_s: number;
  bytes: number;
  uploads: number;
  gemm_n: number;
  chain: number;
  reps: number;
  raw: OverlapTimings;
}

/**
 * The arithmetic of the probe: subtract the base (touch + sync) from each case; the hidden share
 * of the copy in either order, (copy + compute - case) / min(copy, compute) clamped to [0, 1];
 * the host's share of the copy, host time / copy time clamped to [0, 1].
 */
export function overlapFromTimings(t: OverlapTimings): Pick<OverlapMeasurement, 'overlap' | 'overlap_ahead' | 'host_share' | 'copy_s' | 'compute_s' | 'ahead_s' | 'behind_s'> {
  const net = (x: number) => Math.max(1e-9, x - t.base);
  const copy = net(t.copy);
  const compute = net(t.compute);
  const ahead = net(t.ahead);
  const behind = net(t.behind);
  return {
    overlap: overlapFactor(copy, compute, behind),
    overlap_ahead: overlapFactor(copy, compute, ahead),
    host_share: Math.min(1, Math.max(0, t.host_copy / copy)),
    copy_s: copy,
    compute_s: compute,
    ahead_s: ahead,
    behind_s: behind,
  };
}

const TOUCH = `@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(1) fn main() { dst[0] = src[0]; }`;

function encodeOnce(d: GPUDevice, invs: Invocation[]): GPUCommandBuffer {
  const enc = d.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const inv of invs) inv.encode(pass);
  pass.end();
  return enc.finish();
}

export async function measureOverlap(
  gpu: Gpu,
  o: { targetSeconds: number; reps: number; log: (l: string) => void },
): Promise<OverlapMeasurement> {
  const d = gpu.device;
  // Uploads of 1 MiB (the size of the workloads' experts, above Dawn's inline-write sizes).
  const chunk = Math.min(2 ** 20, Math.floor(gpu.maxBufferSize / 256) * 256);
  const maxUploads = Math.max(1, Math.min(64, Math.floor(Math.min(gpu.maxBufferSize, 2 ** 26) / chunk)));
  const dst = storageBuffer(d, chunk * maxUploads);
  const host = new Uint8Array(chunk).fill(1); // touched, so page faults are not timed
  const touchP = pipeline(d, TOUCH, 'touch');
  const touchOut = storageBuffer(d, 16);
  const touch: Invocation = {
    label: 'touch',
    encode(pass) {
      pass.setPipeline(touchP);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(1);
    },
  };
  const bg = d.createBindGroup({ layout: touchP.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: dst, offset: 0, size: 256 } }, { binding: 1, resource: { buffer: touchOut } }] });
  const owned: GPUBuffer[] = [dst, touchOut];
  const makeGemm = (n: number) => {
    const a = upload(d, randomValues(n * n, 7), 'f32');
    const b = upload(d, randomValues(n * n, 8), 'f32');
    const c = storageBuffer(d, n * n * 4);
    return { inv: gemm(d, 'f32', { a, b, c, m: n, n, k: n }), bufs: [a, b, c] };
  };
  const wall = async (issue: () => void): Promise<number> => {
    const t0 = performance.now();
    issue();
    await d.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / 1e3;
  };
  let uploads = 1;
  const copies = () => {
    for (let i = 0; i < uploads; i++) d.queue.writeBuffer(dst, i * chunk, host);
  };
  const touchCmd = () => d.queue.submit([encodeOnce(d, [touch])]);

  // Size the copy to the target (one chunk's cost, measured at this size), then the chain.
  const times = async (f: () => void, n = 3): Promise<number> => {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) ts.push(await wall(f));
    return median(ts);
  };
  const base0 = await times(touchCmd);
  const one = await times(() => (touchCmd(), copies()));
  const perUpload = Math.max(1e-6, one - base0);
  uploads = Math.max(1, Math.min(maxUploads, Math.round(o.targetSeconds / perUpload)));
  // One upload alone can take a faster path than a run of them: re-measure at the chosen count.
  let copyEst = Math.max(1e-6, (await times(() => (touchCmd(), copies()))) - base0);
  if (copyEst > 1.5 * o.targetSeconds && uploads > 1) {
    uploads = Math.max(1, Math.round((uploads * o.targetSeconds) / copyEst));
    copyEst = Math.max(1e-6, (await times(() => (touchCmd(), copies()))) - base0);
  }
  const chain = 8;
  // Re-encoded per submit: a command buffer is single-use.
  let g = makeGemm(128);
  const computeChain = () => {
    for (let i = 0; i < chain; i++) d.queue.submit([encodeOnce(d, [g.inv])]);
  };
  // Size the chain to 1.5-4 x the copy (time ~ n^3), re-measuring: one estimate is not enough
  // where the GEMM's efficiency changes with size or a stall lands in the timing.
  let n = 128;
  await wall(computeChain); // compiles the pipeline
  for (let pass = 0; pass < 6; pass++) {
    const t = Math.max(1e-6, (await times(() => (touchCmd(), computeChain()))) - base0);
    if (t >= 1.5 * copyEst && t <= 4 * copyEst) break;
    const f = Math.cbrt((2.5 * copyEst) / t);
    const next = Math.max(32, Math.min(2048, Math.round((n * (t < 1.5 * copyEst ? Math.max(1.1, f) : Math.min(0.9, f))) / 32) * 32));
    if (next === n) break;
    g.bufs.forEach((b) => b.destroy());
    n = next;
    g = makeGemm(n);
    await wall(computeChain);
  }
  owned.push(...g.bufs);

  let hostIn = 0;
  const timedCopies = () => {
    const t0 = performance.now();
    copies();
    hostIn = (performance.now() - t0) / 1e3;
  };
  type Case = Exclude<keyof OverlapTimings, 'host_copy'>;
  const cases: Record<Case, () => void> = {
    base: touchCmd,
    copy: () => (touchCmd(), timedCopies()),
    compute: () => (touchCmd(), computeChain()),
    behind: () => (touchCmd(), computeChain(), copies()),
    ahead: () => (touchCmd(), copies(), computeChain()),
  };
  const xs: Record<keyof OverlapTimings, number[]> = { base: [], copy: [], compute: [], ahead: [], behind: [], host_copy: [] };
  for (let r = 0; r <= o.reps; r++)
    for (const k of Object.keys(cases) as Case[]) {
      const s = await wall(cases[k]);
      if (r === 0) continue; // the first round warms up
      xs[k].push(s);
      if (k === 'copy') xs.host_copy.push(hostIn);
    }
  owned.forEach((b) => b.destroy());
  const raw = Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, median(v)])) as unknown as OverlapTimings;
  const m = overlapFromTimings(raw);
  const ms = (s: number) => `${(s * 1e3).toFixed(2)} ms`;
  o.log(
    `overlap: ${uploads} x ${chunk} B upload ${ms(m.copy_s)} (host ${(m.host_share * 100).toFixed(0)}%), ${chain} x gemm ${n}^3 ${ms(m.compute_s)}, gemms then upload ${ms(m.behind_s)} -> overlap ${m.overlap.toFixed(3)}; upload then gemms ${ms(m.ahead_s)} -> ${m.overlap_ahead.toFixed(3)}`,
  );
  return { ...m, bytes: uploads * chunk, uploads, gemm_n: n, chain, reps: o.reps, raw };
}
