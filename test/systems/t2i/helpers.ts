import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { t2iSystem } from '../../../src/systems/t2i/index.js';
import { resolveHardware, type HardwareConfig } from '../../../src/systems/hardware.js';
import type { SimulationInput, SimulationOutput } from '../../../src/systems/types.js';

const dir = mkdtempSync(join(tmpdir(), 'servesim-t2i-sys-'));
let n = 0;

/** Write a trace: each row is [arrival_s, loras, controlnets]. */
export function trace(rows: Array<[number, string, string]>): string {
  const p = join(dir, `trace${n++}.csv`);
  writeFileSync(p, ['arrival_s,request,loras,controlnets', ...rows.map(([t, l, c], i) => `${t},r${i},${l},${c}`)].join('\n') + '\n');
  return p;
}

export function run(o: {
  hardware?: HardwareConfig;
  model?: object;
  workload?: object;
  policy?: object;
  seed?: number;
  extra?: Partial<SimulationInput>;
}): Promise<SimulationOutput> {
  return t2iSystem.simulate({
    hardware: resolveHardware(o.hardware ?? { gpu: 'h800', gpus: 1 }),
    model: t2iSystem.modelSchema.parse(o.model ?? {}),
    workload: t2iSystem.workloadSchema.parse(o.workload ?? {}),
    policy: t2iSystem.policySchema.parse(o.policy ?? {}),
    seed: o.seed ?? 1,
    warmup: {},
    baseDir: dir,
    ...o.extra,
  });
}

/** Smallest and largest request latency, seconds (from the CDF, which is not rounded). */
export function minMax(out: SimulationOutput): [number, number] {
  return [out.latencyCdf[0]!.value / 1000, out.latencyCdf[out.latencyCdf.length - 1]!.value / 1000];
}

// Link presets an H800 scenario resolves to (src/hardware/links.ts, gpus.ts).
export const DISK = { bw: 6.5e9, lat: 80e-6 };
export const PCIE = { bw: 54e9, lat: 10e-6 };
export const NVLINK = { bw: 200e9, lat: 5e-6 };
/** Default host deserialisation rate (policy.parse_gb_per_s). */
export const PARSE = 1.1e9;
export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** store -> host -> GPU on idle links: disk read + parse + PCIe copy. */
export function coldLoad(bytes: number): number {
  return DISK.lat + bytes / DISK.bw + bytes / PARSE + PCIE.lat + bytes / PCIE.bw;
}
export function hostToGpu(bytes: number): number {
  return PCIE.lat + bytes / PCIE.bw;
}
