/**
 * Link presets: effective (achieved, not theoretical) bandwidth and a per-transfer latency.
 * PCIe pinned figures are effective x16 host-to-device rates, about 80-85% of the PCI-SIG link rates
 * (15.75 / 31.5 / 63 GB/s per direction for Gen3 / 4 / 5), as NVIDIA's bandwidthTest
 * (github.com/NVIDIA/cuda-samples) measures them; pageable copies go
 * through a driver bounce buffer and reach roughly half (an estimate; calibrate to replace it).
 */
import type { LinkSpec } from './types.js';

const GB = 1e9;
const US = 1e-6;

export const LINKS = {
  'pcie3-pinned': { name: 'PCIe Gen3 x16 pinned', bandwidth: 12 * GB, latency: 10 * US, source: 'PCI-SIG Gen3 x16 15.75 GB/s; effective pinned H2D ~12 GB/s (NVIDIA cuda-samples bandwidthTest); ~10 us per cudaMemcpyAsync (estimate)' },
  'pcie4-pinned': { name: 'PCIe Gen4 x16 pinned', bandwidth: 25 * GB, latency: 10 * US, source: 'PCI-SIG Gen4 x16 31.5 GB/s; effective pinned H2D ~25 GB/s (NVIDIA cuda-samples bandwidthTest; BuddyMoE arXiv 2511.10054: a 352 MB expert ~10-14 ms)' },
  'pcie5-pinned': { name: 'PCIe Gen5 x16 pinned', bandwidth: 54 * GB, latency: 10 * US, source: 'PCI-SIG Gen5 x16 63 GB/s; effective pinned H2D ~52-57 GB/s (NVIDIA cuda-samples bandwidthTest; midpoint)' },
  'pcie3-pageable': { name: 'PCIe Gen3 x16 pageable', bandwidth: 6 * GB, latency: 20 * US, source: 'estimate: ~50% of pinned (staging copy through a bounce buffer); calibrate' },
  'pcie4-pageable': { name: 'PCIe Gen4 x16 pageable', bandwidth: 12.5 * GB, latency: 20 * US, source: 'estimate: ~50% of pinned (staging copy through a bounce buffer); calibrate' },
  'pcie5-pageable': { name: 'PCIe Gen5 x16 pageable', bandwidth: 27 * GB, latency: 20 * US, source: 'estimate: ~50% of pinned (staging copy through a bounce buffer); calibrate' },
  'nvlink3': { name: 'NVLink 3 (A100)', bandwidth: 300 * GB, latency: 5 * US, source: 'NVIDIA A100 datasheet: 600 GB/s bidirectional per GPU' },
  'nvlink4': { name: 'NVLink 4 (H100)', bandwidth: 450 * GB, latency: 5 * US, source: 'NVIDIA H100 datasheet: 900 GB/s bidirectional per GPU' },
  'nvlink-h800': { name: 'NVLink (H800)', bandwidth: 200 * GB, latency: 5 * US, source: 'NVIDIA H800 product brief: 400 GB/s bidirectional per GPU' },
  'nvme-gen4': { name: 'NVMe SSD (PCIe Gen4)', bandwidth: 6.5 * GB, latency: 80 * US, source: 'Samsung PM9A3 datasheet: 6,500 MB/s sequential read; ~80 us read latency' },
  'nvme-gen3': { name: 'NVMe SSD (PCIe Gen3)', bandwidth: 3.2 * GB, latency: 90 * US, source: 'Samsung PM983 datasheet: 3,200 MB/s sequential read' },
  'remote-25gbe': { name: 'Remote store over 25 GbE', bandwidth: 2.5 * GB, latency: 2e-3, source: '25 Gb/s Ethernet line rate (3.1 GB/s) at ~80% efficiency; ~2 ms object-store request latency (estimate)' },
  'ethernet-100g': { name: '100 GbE between hosts', bandwidth: 11 * GB, latency: 20 * US, source: '100 Gb/s line rate (12.5 GB/s) at ~90% efficiency (estimate)' },
} as const satisfies Record<string, LinkSpec>;

export type LinkName = keyof typeof LINKS;

/** The pinned PCIe link preset matching a GPU's PCIe generation. */
export function pcieLinkFor(gen: 3 | 4 | 5, pinned = true): LinkName {
  return `pcie${gen}-${pinned ? 'pinned' : 'pageable'}` as LinkName;
}
