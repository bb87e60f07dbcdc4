/**
 * Every preset a scenario can name, with a one-line summary and its source: GPUs, hosts, links
 * (hardware.*) and each system's model presets (model.preset). `servesim presets` prints this.
 */
import { GPUS, HOSTS, LINKS } from '../hardware/index.js';
import { REGISTRY } from '../registry.js';
import type { Registry } from '../scenario/types.js';
import type { PresetInfo, SystemName } from '../systems/types.js';

export interface PresetCatalogue {
  gpus: PresetInfo[];
  hosts: PresetInfo[];
  links: PresetInfo[];
  systems: Partial<Record<SystemName, { description: string; models: PresetInfo[] }>>;
}

const GB = 1e9;
const GiB = 2 ** 30;

export function presets(registry: Registry = REGISTRY): PresetCatalogue {
  const gpus = Object.entries(GPUS).map(([name, g]) => ({
    name,
    summary: `${g.name}: ${(g.memoryBytes / GiB).toFixed(0)} GiB, ${(g.memBandwidth / GB).toFixed(0)} GB/s, ${(g.fp16Flops / 1e12).toFixed(0)} TFLOP/s fp16, PCIe Gen${g.pcieGen}${g.nvlinkBandwidth ? `, NVLink ${(g.nvlinkBandwidth / GB).toFixed(0)} GB/s` : ''}`,
    source: g.source,
  }));
  const hosts = Object.entries(HOSTS).map(([name, h]) => ({
    name,
    summary: `${h.name}: ${h.cores} cores, ${(h.memBandwidth / GB).toFixed(0)} GB/s DRAM, ${(h.memoryBytes / GiB).toFixed(0)} GiB`,
    source: h.source,
  }));
  const links = Object.entries(LINKS).map(([name, l]) => ({
    name,
    summary: `${l.name}: ${(l.bandwidth / GB).toFixed(1)} GB/s, ${(l.latency * 1e6).toFixed(1)} us latency`,
    source: l.source,
  }));
  const systems = Object.fromEntries(
    Object.entries(registry.systems).map(([name, s]) => [name, { description: s!.description, models: s!.presets() }]),
  ) as PresetCatalogue['systems'];
  return { gpus, hosts, links, systems };
}
