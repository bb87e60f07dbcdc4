/**
 * GPU presets. Figures are the vendor datasheet numbers (dense, i.e. without 2:4 sparsity).
 * Kernel launch overhead ~5 us is a typical CUDA figure; calibrated profiles replace it.
 */
import type { GpuSpec } from './types.js';

const GB = 1e9;
const GiB = 2 ** 30;
const T = 1e12;
const LAUNCH = 5e-6; // typical CUDA kernel launch latency; replaced by a calibrated profile

export const GPUS = {
  a10: {
    name: 'NVIDIA A10', memoryBytes: 24 * GiB, memBandwidth: 600 * GB, fp16Flops: 125 * T, fp32Flops: 31.2 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 0, kernelLaunch: LAUNCH,
    source: 'NVIDIA A10 Tensor Core GPU datasheet (2021): 24 GB GDDR6, 600 GB/s, FP16 TC 125 TF dense, FP32 31.2 TF, PCIe Gen4',
  },
  'a100-40g-pcie': {
    name: 'NVIDIA A100 40GB PCIe', memoryBytes: 40 * GiB, memBandwidth: 1555 * GB, fp16Flops: 312 * T, fp32Flops: 19.5 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 300 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA A100 datasheet (2021): 40 GB HBM2 1,555 GB/s, BF16/FP16 TC 312 TF dense, FP32 19.5 TF; NVLink bridge 600 GB/s bidirectional',
  },
  'a100-80g-pcie': {
    name: 'NVIDIA A100 80GB PCIe', memoryBytes: 80 * GiB, memBandwidth: 1935 * GB, fp16Flops: 312 * T, fp32Flops: 19.5 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 300 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA A100 datasheet (2021): 80 GB HBM2e 1,935 GB/s, 312 TF dense FP16, FP32 19.5 TF; NVLink bridge 600 GB/s bidirectional',
  },
  'a100-40g-sxm': {
    name: 'NVIDIA A100 40GB SXM', memoryBytes: 40 * GiB, memBandwidth: 1555 * GB, fp16Flops: 312 * T, fp32Flops: 19.5 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 300 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA A100 datasheet (2021): 40 GB HBM2 1,555 GB/s, 312 TF dense FP16, NVLink 600 GB/s bidirectional',
  },
  'a100-80g-sxm': {
    name: 'NVIDIA A100 80GB SXM', memoryBytes: 80 * GiB, memBandwidth: 2039 * GB, fp16Flops: 312 * T, fp32Flops: 19.5 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 300 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA A100 datasheet (2021): 80 GB HBM2e 2,039 GB/s, 312 TF dense FP16, NVLink 600 GB/s bidirectional',
  },
  'h100-pcie': {
    name: 'NVIDIA H100 PCIe', memoryBytes: 80 * GiB, memBandwidth: 2000 * GB, fp16Flops: 756 * T, fp32Flops: 51 * T,
    pcieGen: 5, pcieLanes: 16, nvlinkBandwidth: 300 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA H100 datasheet (2023): PCIe 80 GB HBM2e 2 TB/s, FP16 TC 1,513 TF sparse = 756 dense, FP32 51 TF, NVLink bridge 600 GB/s bidirectional',
  },
  'h100-sxm': {
    name: 'NVIDIA H100 SXM', memoryBytes: 80 * GiB, memBandwidth: 3350 * GB, fp16Flops: 989 * T, fp32Flops: 67 * T,
    pcieGen: 5, pcieLanes: 16, nvlinkBandwidth: 450 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA H100 datasheet (2023): SXM 80 GB HBM3 3.35 TB/s, FP16 TC 1,979 TF sparse = 989 dense, FP32 67 TF, NVLink 900 GB/s bidirectional',
  },
  h800: {
    name: 'NVIDIA H800 SXM', memoryBytes: 80 * GiB, memBandwidth: 3350 * GB, fp16Flops: 989 * T, fp32Flops: 67 * T,
    pcieGen: 5, pcieLanes: 16, nvlinkBandwidth: 200 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA H800 SXM5 product brief (2023): H100 SXM compute and HBM3 3.35 TB/s, NVLink limited to 400 GB/s bidirectional',
  },
  h200: {
    name: 'NVIDIA H200 SXM', memoryBytes: 141 * GB, memBandwidth: 4800 * GB, fp16Flops: 989 * T, fp32Flops: 67 * T,
    pcieGen: 5, pcieLanes: 16, nvlinkBandwidth: 450 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA H200 datasheet (2024): 141 GB HBM3e 4.8 TB/s, FP16 TC 1,979 TF sparse = 989 dense, FP32 67 TF, NVLink 900 GB/s bidirectional',
  },
  l4: {
    name: 'NVIDIA L4', memoryBytes: 24 * GiB, memBandwidth: 300 * GB, fp16Flops: 121 * T, fp32Flops: 30.3 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 0, kernelLaunch: LAUNCH,
    source: 'NVIDIA L4 datasheet (2023): 24 GB GDDR6 300 GB/s, FP16 TC 242 TF sparse = 121 dense, FP32 30.3 TF, PCIe Gen4 x16',
  },
  t4: {
    name: 'NVIDIA T4', memoryBytes: 16 * GiB, memBandwidth: 320 * GB, fp16Flops: 65 * T, fp32Flops: 8.1 * T,
    pcieGen: 3, pcieLanes: 16, nvlinkBandwidth: 0, kernelLaunch: LAUNCH,
    source: 'NVIDIA T4 datasheet (2019): 16 GB GDDR6 320 GB/s, mixed FP16/FP32 65 TF, FP32 8.1 TF, PCIe Gen3 x16',
  },
  'rtx-3090': {
    name: 'NVIDIA GeForce RTX 3090', memoryBytes: 24 * GiB, memBandwidth: 936 * GB, fp16Flops: 71 * T, fp32Flops: 35.6 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 56.25 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA Ampere GA102 whitepaper (2020), RTX 3090: 24 GB GDDR6X 936 GB/s, FP16 TC with FP32 accumulate 71 TF dense, FP32 35.6 TF, NVLink 112.5 GB/s bidirectional',
  },
  'rtx-4090': {
    name: 'NVIDIA GeForce RTX 4090', memoryBytes: 24 * GiB, memBandwidth: 1008 * GB, fp16Flops: 165 * T, fp32Flops: 82.6 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 0, kernelLaunch: LAUNCH,
    source: 'NVIDIA Ada Lovelace architecture whitepaper (2022), RTX 4090: 24 GB GDDR6X 1,008 GB/s, FP16 TC with FP32 accumulate 165 TF dense, FP32 82.6 TF, PCIe Gen4 x16',
  },
  'rtx-3060': {
    name: 'NVIDIA GeForce RTX 3060 (12 GB)', memoryBytes: 12 * GiB, memBandwidth: 360 * GB, fp16Flops: 25.5 * T, fp32Flops: 12.7 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 0, kernelLaunch: LAUNCH,
    source: 'NVIDIA GeForce RTX 3060 family specifications (2021): 12 GB GDDR6 192-bit 15 Gbps = 360 GB/s, 3584 CUDA cores at 1.78 GHz boost = 12.7 TF FP32; FP16 tensor with FP32 accumulate 2x FP32 (GeForce Ampere rate, GA102 whitepaper appendix) = 25.5 TF dense; PCIe Gen4 x16',
  },
  'rtx-3080-mobile': {
    name: 'NVIDIA GeForce RTX 3080 Laptop GPU (16 GB)', memoryBytes: 16 * GiB, memBandwidth: 448 * GB, fp16Flops: 38 * T, fp32Flops: 19 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 0, kernelLaunch: LAUNCH,
    source: 'NVIDIA GeForce RTX 3080 Laptop GPU specifications (2021): 16 GB GDDR6 256-bit 14 Gbps = 448 GB/s, 6144 CUDA cores at up to 1.55 GHz boost (150 W+ variant) = 19 TF FP32 (laptop clocks vary with TGP: an estimate); FP16 tensor with FP32 accumulate 2x FP32; PCIe Gen4 x16',
  },
  'rtx-a5000': {
    name: 'NVIDIA RTX A5000', memoryBytes: 24 * GiB, memBandwidth: 768 * GB, fp16Flops: 111 * T, fp32Flops: 27.8 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 56.25 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA RTX A5000 datasheet (2021): 24 GB GDDR6 768 GB/s, FP32 27.8 TF, tensor 222.2 TF with sparsity = 111.1 dense, PCIe Gen4 x16, NVLink 112.5 GB/s bidirectional',
  },
  'rtx-a6000': {
    name: 'NVIDIA RTX A6000', memoryBytes: 48 * GiB, memBandwidth: 768 * GB, fp16Flops: 154.8 * T, fp32Flops: 38.7 * T,
    pcieGen: 4, pcieLanes: 16, nvlinkBandwidth: 56.25 * GB, kernelLaunch: LAUNCH,
    source: 'NVIDIA RTX A6000 datasheet (2020): 48 GB GDDR6 768 GB/s, FP32 38.7 TF, tensor 309.7 TF with sparsity = 154.8 dense, PCIe Gen4 x16, NVLink 112.5 GB/s bidirectional',
  },
} as const satisfies Record<string, GpuSpec>;

export type GpuName = keyof typeof GPUS;
