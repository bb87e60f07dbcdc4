/**
 * How fully a kernel of a given shape occupies the GPU: wave quantisation of GEMM tiles and of
 * attention query blocks over the streaming multiprocessors (SMs).
 *
 * A tiled GEMM of M rows (tokens) x N output features launches ceil(M / tm) x ceil(N / tn)
 * thread blocks (CTAs), one tile each, and the SMs run them in waves of `sms` CTAs. Every wave
 * costs one tile's time however few CTAs it holds, so the GEMM takes
 *     waves = ceil(CTAs / sms) tile times
 * and reaches M N / (waves x sms x tm x tn) of the throughput of a GEMM that fills every wave with
 * full tiles. The masked blocks of an edit run on a few hundred tokens per request (Flux at mask
 * 0.15: 614 image tokens and 512 text tokens per stream, i.e. 5 and 4 row tiles of 128), so a
 * lone request fills half the SMs of an H800 in the double blocks' 3072-wide projections
 * (60 and 48 CTAs of 132); a batch of four fills 2 waves at 91% and 73%. This is a reason
 * batching pays on a GPU that a block-level roofline misses. The same holds for FlashAttention,
 * whose forward pass runs one CTA per 128 queries per head per sequence.
 *
 * Sources: the tile is CUTLASS 3's Hopper warp-specialized cooperative GEMM tile, 128 x 256 x 64
 * (cutlass/examples, `TileShape = Shape<_128,_256,_64>`); cuBLAS picks among tiles by heuristics
 * (and may split K for a small grid), so the tile is a sweepable assumption (`model.gemm_tile`).
 * FlashAttention-2/3 forward: kBlockM = 128 queries per CTA for head dims 64 and 128
 * (Dao-AILab/flash-attention, flash_fwd_launch_template.h). SM counts: NVIDIA's architecture
 * whitepapers and datasheets, below.
 */

/** SMs per GPU preset, keyed by the preset's `name` (a GPU not listed gets no wave quantisation). */
export const SM_COUNTS: Readonly<Record<string, number>> = {
  // GA102 whitepaper / A10 datasheet: 72 SMs.
  'NVIDIA A10': 72,
  // A100 whitepaper: 108 SMs on every A100 product.
  'NVIDIA A100 40GB PCIe': 108,
  'NVIDIA A100 80GB PCIe': 108,
  'NVIDIA A100 40GB SXM': 108,
  'NVIDIA A100 80GB SXM': 108,
  // H100 whitepaper: SXM5 132 SMs, PCIe 114; the H800 and H200 are the SXM die.
  'NVIDIA H100 PCIe': 114,
  'NVIDIA H100 SXM': 132,
  'NVIDIA H800 SXM': 132,
  'NVIDIA H200 SXM': 132,
  // Ada whitepaper: L4 58 SMs, RTX 4090 128; Turing T4 40; Ampere RTX 3090 82, 3060 28,
  // 3080 Laptop 48, RTX A5000 64, A6000 84.
  'NVIDIA L4': 58,
  'NVIDIA T4': 40,
  'NVIDIA GeForce RTX 3090': 82,
  'NVIDIA GeForce RTX 4090': 128,
  'NVIDIA GeForce RTX 3060 (12 GB)': 28,
  'NVIDIA GeForce RTX 3080 Laptop GPU (16 GB)': 48,
  'NVIDIA RTX A5000': 64,
  'NVIDIA RTX A6000': 84,
};

/** Queries per FlashAttention forward CTA (kBlockM). */
export const ATTN_QUERY_BLOCK = 128;

/** The GEMM tiles a library chooses among (rows x output features) and the SM count. */
export interface WaveModel {
  tiles: ReadonlyArray<readonly [number, number]>;
  sms: number;
  /** Split K across CTAs when a tile grid is under one wave (cuBLASLt / CUTLASS split-K). */
  splitK: boolean;
}

/** Smallest K slice of a split-K CTA: four 64-wide k-tiles, enough for the TMA pipeline's stages. */
export const SPLIT_K_MIN = 256;

/**
 * Throughput share of an M x N (x any K) GEMM: M N / (waves x sms x tm x tn) for the tile that
 * maximises it (a library's heuristic picks the tile that fills the SMs best); 1 with no work.
 */
export function gemmUtilisation(w: WaveModel, M: number, N: number, K: number): number {
  if (M <= 0) return 1;
  let best = 0;
  for (const [tm, tn] of w.tiles) {
    const ctas = Math.ceil(M / tm) * Math.ceil(N / tn);
    // Split-K: a grid under one wave splits K into s slices, s x CTAs <= SMs.
    const s = w.splitK && ctas < w.sms ? Math.max(1, Math.min(Math.floor(w.sms / ctas), Math.floor(K / SPLIT_K_MIN))) : 1;
    best = Math.max(best, (M * N * s) / (Math.ceil((ctas * s) / w.sms) * w.sms * tm * tn));
  }
  return best;
}

/**
 * Throughput share of a set of GEMMs sharing M rows, each [N, K], weighted by their FLOPs (N K):
 * the harmonic mean sum(N K) / sum(N K / u), so FLOPs / share is the summed effective FLOPs.
 */
export function gemmsUtilisation(w: WaveModel, M: number, shapes: ReadonlyArray<readonly [number, number]>): number {
  if (M <= 0) return 1;
  let work = 0;
  let eff = 0;
  for (const [N, K] of shapes) {
    work += N * K;
    eff += (N * K) / gemmUtilisation(w, M, N, K);
  }
  return work / eff;
}

/** Throughput share of attention over `queries` query tokens (all sequences) and `heads` heads: CTAs / (waves x sms). */
export function attentionUtilisation(w: WaveModel, queries: number, heads: number): number {
  if (queries <= 0) return 1;
  const ctas = Math.ceil(queries / ATTN_QUERY_BLOCK) * heads;
  return ctas / (Math.ceil(ctas / w.sms) * w.sms);
}
