/**
 * The op families calibration measures: for each, the shapes swept (quick and full) and how to
 * prepare one shape on the device: random inputs, the dispatches, the Op (flops, bytes) priced by
 * the same src/cost helpers the simulator uses, and a check against the CPU reference.
 */
import { gemmOp, type Op } from '../../src/cost/ops.js';
import type { Gpu } from '../gpu/device.js';
import { readValues, storageBuffer, upload } from '../gpu/buffers.js';
import { roundF16 } from '../gpu/f16.js';
import { costDtype, elemBytes, type KDtype } from '../kernels/dtype.js';
import { gemm } from '../kernels/gemm.js';
import { expertFfn, ffnOp, ffnRef } from '../kernels/ffn.js';
import { attention, attnOp } from '../kernels/attention.js';
import { maskedBlock, maskedBlockOp, maskedBlockRef, maskedScratch } from '../kernels/masked.js';
import { loraMerge, loraOp, loraRef } from '../kernels/lora.js';
import { submit, type Invocation } from '../kernels/pipeline.js';
import { attentionRef, gemmRef, randomValues, relError } from '../kernels/reference.js';

export type Shape = Record<string, number>;

export interface Prepared {
  op: Op;
  invs: Invocation[];
  /** FLOPs the CPU reference needs (to decide whether checking this shape is affordable). */
  refFlops: number;
  /** Run once and return ||gpu - cpu|| / ||cpu||. */
  verify(): Promise<number>;
  destroy(): void;
}

export interface OpFamily {
  /** OpKind the fit is stored under (suffixed _f32 / _f16). */
  kind: 'gemm' | 'gemv' | 'expert_ffn' | 'attention' | 'masked_block' | 'lora_merge';
  shapes(mode: 'quick' | 'full'): Shape[];
  prepare(gpu: Gpu, t: KDtype, s: Shape): Prepared;
}

let seedCounter = 1;
const rand = (n: number, scale = 1) => randomValues(n, 0x9e3779b9 ^ (seedCounter++ * 2654435761), scale);
const asSeen = (t: KDtype, xs: Float32Array): ArrayLike<number> => (t === 'f16' ? roundF16(xs) : xs);
const roundFor = (t: KDtype) => (xs: Float64Array): Float64Array => (t === 'f16' ? Float64Array.from(roundF16(xs)) : xs);

function destroyAll(bufs: GPUBuffer[]): () => void {
  return () => bufs.forEach((b) => b.destroy());
}

function gemmPrepared(gpu: Gpu, t: KDtype, m: number, n: number, k: number): Prepared {
  const d = gpu.device;
  const A = rand(m * k);
  const B = rand(k * n);
  const a = upload(d, A, t);
  const b = upload(d, B, t);
  const c = storageBuffer(d, m * n * elemBytes(t));
  const invs = [gemm(d, t, { a, b, c, m, n, k })];
  return {
    op: gemmOp(m, n, k, costDtype(t)),
    invs,
    refFlops: 2 * m * n * k,
    async verify() {
      submit(d, invs);
      return relError(await readValues(d, c, m * n, t), gemmRef(asSeen(t, A), asSeen(t, B), m, n, k));
    },
    destroy: destroyAll([a, b, c]),
  };
}

async function runOnce(d: GPUDevice, invs: Invocation[]): Promise<void> {
  submit(d, invs);
  await d.queue.onSubmittedWorkDone();
}

const grid = <T>(as: T[], f: (a: T) => Shape[]): Shape[] => as.flatMap(f);

export const FAMILIES: Record<OpFamily['kind'], OpFamily> = {
  gemm: {
    kind: 'gemm',
    shapes: (mode) => {
      const sq = mode === 'quick' ? [64, 128, 192, 256, 384, 512] : [64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192];
      const rect: Shape[] =
        mode === 'quick'
          ? [
              { m: 4, n: 512, k: 512 },
              { m: 16, n: 1024, k: 256 },
              { m: 32, n: 512, k: 256 },
              { m: 96, n: 384, k: 128 },
              { m: 256, n: 1024, k: 128 },
            ]
          : [
              { m: 4, n: 1024, k: 1024 },
              { m: 16, n: 4096, k: 1024 },
              { m: 32, n: 1024, k: 512 },
              { m: 96, n: 768, k: 256 },
              { m: 256, n: 4096, k: 512 },
              { m: 1024, n: 256, k: 4096 },
              { m: 4096, n: 1024, k: 1024 },
            ];
      return [...sq.map((x) => ({ m: x, n: x, k: x })), ...rect];
    },
    prepare: (gpu, t, s) => gemmPrepared(gpu, t, s.m!, s.n!, s.k!),
  },
  gemv: {
    kind: 'gemv',
    shapes: (mode) =>
      (mode === 'quick'
        ? [
            [8, 256],
            [256, 256],
            [512, 512],
            [1024, 512],
            [512, 2048],
            [1024, 1024],
            [2048, 1024],
            [2048, 2048],
          ]
        : [
            [8, 256],
            [64, 1024],
            [256, 256],
            [512, 512],
            [1024, 1024],
            [4096, 1024],
            [1024, 4096],
            [2048, 2048],
            [4096, 4096],
            [14336, 4096],
            [4096, 14336],
            [8192, 8192],
          ]
      ).map(([n, k]) => ({ m: 1, n: n!, k: k! })),
    prepare: (gpu, t, s) => gemmPrepared(gpu, t, 1, s.n!, s.k!),
  },
  expert_ffn: {
    kind: 'expert_ffn',
    shapes: (mode) =>
      grid(
        mode === 'quick'
          ? [
              [128, 256],
              [256, 512],
              [384, 768],
              [512, 1024],
            ]
          : [
              [256, 512],
              [512, 1024],
              [1024, 2048],
              [2048, 1408],
              [2048, 4096],
              [4096, 14336],
            ],
        ([h, f]) => (mode === 'quick' ? [1, 4, 16] : [1, 2, 4, 8, 16]).map((tk) => ({ tokens: tk, hidden: h!, ffn: f! })),
      ),
    prepare(gpu, t, s) {
      const d = gpu.device;
      const shape = { tokens: s.tokens!, hidden: s.hidden!, ffn: s.ffn! };
      const W = rand(3 * shape.hidden * shape.ffn, 1 / Math.sqrt(shape.hidden));
      const X = rand(shape.tokens * shape.hidden);
      const bufs = {
        weights: upload(d, W, t),
        x: upload(d, X, t),
        h: storageBuffer(d, shape.tokens * shape.ffn * elemBytes(t)),
        y: storageBuffer(d, shape.tokens * shape.hidden * elemBytes(t)),
      };
      const invs = expertFfn(d, t, shape, bufs);
      return {
        op: ffnOp(shape, t),
        invs,
        refFlops: ffnOp(shape, 'f32').flops,
        async verify() {
          await runOnce(d, invs);
          const ref = ffnRef(asSeen(t, W), asSeen(t, X), shape, roundFor(t));
          return relError(await readValues(d, bufs.y, ref.length, t), ref);
        },
        destroy: destroyAll(Object.values(bufs)),
      };
    },
  },
  attention: {
    kind: 'attention',
    shapes: (mode) => [
      // Decode attention as the MoE fidelity workload issues it (batch 1, 4 heads), then batched.
      ...[128, 256, 512].map((kv) => ({ batch: 1, heads: 4, q: 1, kv, headDim: 64 })),
      ...(mode === 'quick' ? [256, 1024] : [256, 512, 1024, 2048, 4096, 8192]).map((kv) => ({ batch: 4, heads: 8, q: 1, kv, headDim: 64 })),
      ...(mode === 'quick' ? [32, 64, 128, 192] : [64, 128, 256, 512, 1024, 2048]).map((n) => ({ batch: 1, heads: 4, q: n, kv: n, headDim: 64 })),
      ...(mode === 'quick' ? [] : [{ batch: 2, heads: 16, q: 256, kv: 1024, headDim: 128 }]),
    ],
    prepare(gpu, t, s) {
      const d = gpu.device;
      const shape = { batch: s.batch!, heads: s.heads!, q: s.q!, kv: s.kv!, headDim: s.headDim! };
      const row = shape.heads * shape.headDim;
      const Q = rand(shape.batch * shape.q * row);
      const K = rand(shape.batch * shape.kv * row);
      const V = rand(shape.batch * shape.kv * row);
      const bufs = { q: upload(d, Q, t), k: upload(d, K, t), v: upload(d, V, t), o: storageBuffer(d, Q.length * elemBytes(t)) };
      const invs = [attention(d, t, shape, bufs)];
      return {
        op: attnOp(shape, t),
        invs,
        refFlops: attnOp(shape, t).flops,
        async verify() {
          await runOnce(d, invs);
          const ref = attentionRef(asSeen(t, Q), asSeen(t, K), asSeen(t, V), shape);
          return relError(await readValues(d, bufs.o, ref.length, t), ref);
        },
        destroy: destroyAll(Object.values(bufs)),
      };
    },
  },
  masked_block: {
    kind: 'masked_block',
    shapes: (mode) =>
      grid(
        mode === 'quick'
          ? [[256, 128]]
          : [
              [256, 128],
              [1024, 256],
              [1024, 512],
              [4096, 512],
              [4096, 1024],
            ],
        // The fidelity workload's shape (256 tokens, hidden 128) is swept densely in mask ratio.
        ([n, dm]) =>
          (mode === 'quick' || n === 256 ? [0.02, 0.05, 0.1, 0.15, 0.25, 0.4, 0.6] : [0.05, 0.1, 0.2, 0.4, 0.8]).map((r) => ({
            tokens: n!,
            hidden: dm!,
            ratio: r,
            heads: dm! / 64,
          })),
      ).map((s) => ({ ...s, masked: Math.max(1, Math.round(s.ratio! * s.tokens!)) })),
    prepare(gpu, t, s) {
      const d = gpu.device;
      const shape = { tokens: s.tokens!, masked: s.masked!, hidden: s.hidden!, heads: s.heads! };
      const { tokens: N, hidden: dm, masked: M } = shape;
      const sc = 1 / Math.sqrt(dm);
      const Wh = { wqkv: rand(dm * 3 * dm, sc), wo: rand(dm * dm, sc), w1: rand(dm * 4 * dm, sc), w2: rand(4 * dm * dm, sc / 2) };
      const X = rand(N * dm);
      const K = rand(N * dm);
      const V = rand(N * dm);
      // Masked tokens: a deterministic spread over the image (every (N/M)-th token).
      const idx = Uint32Array.from({ length: M }, (_, i) => Math.floor((i * N) / M));
      const idxBuf = storageBuffer(d, idx.byteLength);
      d.queue.writeBuffer(idxBuf, 0, idx);
      const w = { wqkv: upload(d, Wh.wqkv, t), wo: upload(d, Wh.wo, t), w1: upload(d, Wh.w1, t), w2: upload(d, Wh.w2, t) };
      const state = { idx: idxBuf, x: upload(d, X, t), k: upload(d, K, t), v: upload(d, V, t), out: storageBuffer(d, N * dm * elemBytes(t)) };
      const scratch = maskedScratch(d, t, dm, M);
      const invs = maskedBlock(d, t, shape, w, scratch, state);
      const op = maskedBlockOp(shape, t);
      return {
        op,
        invs,
        refFlops: op.flops,
        async verify() {
          await runOnce(d, invs);
          const seen = (xs: Float32Array) => asSeen(t, xs);
          const ref = maskedBlockRef(
            shape,
            { wqkv: seen(Wh.wqkv), wo: seen(Wh.wo), w1: seen(Wh.w1), w2: seen(Wh.w2) },
            seen(X),
            seen(K),
            seen(V),
            idx,
            roundFor(t),
          );
          const out = await readValues(d, state.out, N * dm, t);
          const rows = new Float32Array(M * dm);
          for (let m = 0; m < M; m++) rows.set(out.subarray(idx[m]! * dm, idx[m]! * dm + dm), m * dm);
          return relError(rows, ref);
        },
        destroy: destroyAll([...Object.values(w), ...Object.values(state), ...Object.values(scratch)]),
      };
    },
  },
  lora_merge: {
    kind: 'lora_merge',
    shapes: (mode) =>
      grid(mode === 'quick' ? [256, 512, 1024] : [512, 1024, 2048, 4096], (n) =>
        (mode === 'quick' ? [4, 32, 128] : [4, 8, 16, 32, 64, 128]).map((rank) => ({ rows: n, cols: n, rank })),
      ),
    prepare(gpu, t, s) {
      const d = gpu.device;
      const shape = { rows: s.rows!, cols: s.cols!, rank: s.rank!, alpha: 0.5 };
      const W = rand(shape.rows * shape.cols);
      const B = rand(shape.rows * shape.rank);
      const A = rand(shape.rank * shape.cols);
      const bufs = { w: upload(d, W, t), b: upload(d, B, t), a: upload(d, A, t) };
      const invs = [loraMerge(d, t, shape, bufs)];
      return {
        op: loraOp(shape, t),
        invs,
        refFlops: loraOp(shape, t).flops,
        async verify() {
          await runOnce(d, invs);
          const ref = loraRef(asSeen(t, W), asSeen(t, B), asSeen(t, A), shape);
          return relError(await readValues(d, bufs.w, ref.length, t), ref);
        },
        destroy: destroyAll(Object.values(bufs)),
      };
    },
  },
};
