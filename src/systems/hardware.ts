/**
 * Hardware as a scenario names it, resolved to specs and cost models. Systems build their own
 * engine resources (links, memory pools, streams) from a ResolvedHardware.
 */
import { z } from 'zod';
import { ConfigError, type InputLocation } from '../errors.js';
import { gpuPreset, hostPreset, linkPreset, defaultPcie, loadProfile } from '../hardware/index.js';
import type { GpuSpec, HostSpec, LinkSpec } from '../hardware/types.js';
import { ProfileCost, RooflineCost, type CostModel } from '../cost/model.js';
import { resolve } from 'node:path';

export const hardwareSchema = z
  .object({
    /** GPU preset name (see `servesim presets`). */
    gpu: z.string().default('h100-sxm'),
    /** Number of GPUs (workers). */
    gpus: z.number().int().positive().default(1),
    /** Host CPU preset. */
    host: z.string().default('xeon-8380-2s'),
    /** Host<->GPU link preset; defaults to pinned PCIe of the GPU's generation. */
    pcie: z.string().optional(),
    /** GPU<->GPU link preset; defaults to the GPU's NVLink, else PCIe. */
    interconnect: z.string().optional(),
    disk: z.string().default('nvme-gen4'),
    remote: z.string().default('remote-25gbe'),
    /** Calibrated profile JSON (from `servesim calibrate`); replaces roofline costs it covers. */
    profile: z.string().optional(),
    /** Override the GPU's memory capacity, GiB. */
    memory_gib: z.number().positive().optional(),
    compute_efficiency: z.number().gt(0).max(1).optional(),
    memory_efficiency: z.number().gt(0).max(1).optional(),
    /**
     * Multiplier on the host<->GPU link preset's bandwidth a serving stack achieves (a calibration
     * knob for `servesim fit`). The pinned presets are typical achieved rates, so a host can beat
     * them: up to the x16 line rate, 1.2-1.3x (Gen4: 31.5 / 25 GB/s); hence the 1.5 cap. __Default value:__ 1
     */
    pcie_efficiency: z.number().gt(0).max(1.5).optional(),
  })
  .strict();
export type HardwareConfig = z.input<typeof hardwareSchema>;

export interface ResolvedHardware {
  gpu: GpuSpec;
  gpus: number;
  host: HostSpec;
  pcie: LinkSpec;
  interconnect: LinkSpec;
  disk: LinkSpec;
  remote: LinkSpec;
  gpuCost: CostModel;
  cpuCost: CostModel;
  /** Profile file, if one was used. */
  profile?: string;
}

export function resolveHardware(cfg: HardwareConfig, baseDir = '.', where: InputLocation = {}): ResolvedHardware {
  const c = hardwareSchema.parse(cfg);
  const at = (field: string): InputLocation => ({ ...where, field: `hardware.${field}` });
  let gpu = gpuPreset(c.gpu, at('gpu'));
  if (c.memory_gib !== undefined) gpu = { ...gpu, memoryBytes: c.memory_gib * 2 ** 30 };
  const host = hostPreset(c.host, at('host'));
  let pcie = c.pcie ? linkPreset(c.pcie, at('pcie')) : defaultPcie(gpu);
  const interconnect = c.interconnect
    ? linkPreset(c.interconnect, at('interconnect'))
    : gpu.nvlinkBandwidth > 0
      ? { name: `NVLink (${gpu.name})`, bandwidth: gpu.nvlinkBandwidth, latency: 5e-6, source: gpu.source }
      : pcie;
  const opts = { computeEfficiency: c.compute_efficiency, memoryEfficiency: c.memory_efficiency };
  let gpuCost: CostModel = new RooflineCost(gpu, opts);
  let profile: string | undefined;
  if (c.profile) {
    profile = resolve(baseDir, c.profile);
    const p = loadProfile(profile);
    gpuCost = new ProfileCost(p, gpuCost, c.profile);
    const h2d = p.links['h2d'];
    if (h2d) pcie = { name: `${pcie.name} (calibrated)`, bandwidth: h2d.bandwidth, latency: h2d.latency_s, source: `fitted in ${c.profile}` };
  }
  if (c.pcie_efficiency !== undefined) pcie = { ...pcie, name: `${pcie.name} x ${c.pcie_efficiency}`, bandwidth: pcie.bandwidth * c.pcie_efficiency };
  const disk = linkPreset(c.disk, at('disk'));
  const remote = linkPreset(c.remote, at('remote'));
  // A link that moves nothing would leave every transfer (and the run) waiting forever.
  const links: Array<[string, LinkSpec]> = [
    [pcie.source.startsWith('fitted in') ? 'profile' : 'pcie', pcie],
    ['interconnect', interconnect],
    ['disk', disk],
    ['remote', remote],
  ];
  for (const [field, l] of links) {
    if (!(l.bandwidth > 0) || !Number.isFinite(l.bandwidth)) {
      throw new ConfigError(`link ${l.name} has bandwidth ${l.bandwidth} B/s: nothing could ever be transferred`, { field: `hardware.${field}` });
    }
  }
  return {
    gpu,
    gpus: c.gpus,
    host,
    pcie,
    interconnect,
    disk,
    remote,
    gpuCost,
    // CPU kernels at batch 1 are DRAM-bound; 0.3 of the two-socket peak puts a 352 MB fp16 Mixtral
    // expert at ~2.9 ms, inside the measured 2-6 ms for CPU experts (Fiddler, arXiv 2402.07033;
    // BuddyMoE, arXiv 2511.10054).
    cpuCost: new RooflineCost(host, { computeEfficiency: 0.5, memoryEfficiency: 0.3, overhead: 20e-6 }),
    profile,
  };
}
