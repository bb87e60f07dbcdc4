/** Host CPU presets: cores, DRAM bandwidth (channels x MT/s x 8 B), peak fp32 (cores x GHz x FLOP/cycle). */
import type { HostSpec } from './types.js';

const GB = 1e9;
const GiB = 2 ** 30;

export const HOSTS = {
  'xeon-8380-2s': {
    name: '2x Intel Xeon Platinum 8380', cores: 80, memBandwidth: 2 * 204.8 * GB, fp32Flops: 80 * 2.3e9 * 64, memoryBytes: 1024 * GiB,
    source: 'Intel ark: 40 cores, 8 ch DDR4-3200 (204.8 GB/s) per socket, 2 AVX-512 FMA units (64 FP32 FLOP/cycle) at 2.3 GHz',
  },
  'epyc-9654-2s': {
    name: '2x AMD EPYC 9654', cores: 192, memBandwidth: 2 * 460.8 * GB, fp32Flops: 192 * 2.4e9 * 32, memoryBytes: 1536 * GiB,
    source: 'AMD product page: 96 cores, 12 ch DDR5-4800 (460.8 GB/s) per socket; Zen 4 AVX-512 on 256-bit units (32 FP32 FLOP/cycle) at 2.4 GHz',
  },
  'desktop-13900k': {
    name: 'Intel Core i9-13900K', cores: 24, memBandwidth: 89.6 * GB, fp32Flops: 8 * 3.0e9 * 32 + 16 * 2.2e9 * 32, memoryBytes: 128 * GiB,
    source: 'Intel ark: 8 P + 16 E cores, 2 ch DDR5-5600 (89.6 GB/s), AVX2 2 FMA (32 FP32 FLOP/cycle)',
  },
} as const satisfies Record<string, HostSpec>;

export type HostName = keyof typeof HOSTS;
