/** Hardware descriptions. Units: bytes, bytes/s, FLOP/s, seconds. Every preset names its source. */

export type Dtype = 'fp32' | 'fp16' | 'bf16' | 'int8' | 'int4' | 'int2';

export interface GpuSpec {
  name: string;
  memoryBytes: number;
  /** HBM/GDDR bandwidth, bytes/s. */
  memBandwidth: number;
  /** Dense tensor-core FLOP/s for fp16/bf16 (no sparsity). */
  fp16Flops: number;
  /** Non-tensor fp32 FLOP/s. */
  fp32Flops: number;
  pcieGen: 3 | 4 | 5;
  pcieLanes: number;
  /** NVLink bandwidth per direction per GPU, bytes/s; 0 when absent. */
  nvlinkBandwidth: number;
  /** Fixed cost of launching a kernel, seconds. */
  kernelLaunch: number;
  source: string;
}

export interface LinkSpec {
  name: string;
  /** Effective bandwidth, bytes/s. */
  bandwidth: number;
  /** Per-transfer fixed latency, seconds. */
  latency: number;
  source: string;
}

export interface HostSpec {
  name: string;
  cores: number;
  /** DRAM bandwidth, bytes/s. */
  memBandwidth: number;
  /** Peak fp32 FLOP/s of all cores (AVX). */
  fp32Flops: number;
  memoryBytes: number;
  source: string;
}
