/** Hardware presets and lookup. Unknown names are input errors that list the valid choices. */
import { InputError, type InputLocation } from '../errors.js';
import { GPUS, type GpuName } from './gpus.js';
import { HOSTS, type HostName } from './hosts.js';
import { LINKS, type LinkName, pcieLinkFor } from './links.js';
import type { GpuSpec, HostSpec, LinkSpec } from './types.js';

export * from './types.js';
export { GPUS, type GpuName } from './gpus.js';
export { LINKS, type LinkName, pcieLinkFor } from './links.js';
export { HOSTS, type HostName } from './hosts.js';
export * from './profile.js';

function lookup<T>(table: Record<string, T>, kind: string, name: string, where?: InputLocation): T {
  const hit = table[name];
  if (hit === undefined) {
    throw new InputError(`unknown ${kind} '${name}' (known: ${Object.keys(table).join(', ')})`, where);
  }
  return hit;
}

export function gpuPreset(name: string, where?: InputLocation): GpuSpec {
  return lookup<GpuSpec>(GPUS, 'GPU preset', name, where);
}
export function linkPreset(name: string, where?: InputLocation): LinkSpec {
  return lookup<LinkSpec>(LINKS, 'link preset', name, where);
}
export function hostPreset(name: string, where?: InputLocation): HostSpec {
  return lookup<HostSpec>(HOSTS, 'host preset', name, where);
}

/** Default host link for a GPU: pinned PCIe of its generation. */
export function defaultPcie(gpu: GpuSpec): LinkSpec {
  return LINKS[pcieLinkFor(gpu.pcieGen)];
}

export const isGpuName = (s: string): s is GpuName => s in GPUS;
export const isLinkName = (s: string): s is LinkName => s in LINKS;
export const isHostName = (s: string): s is HostName => s in HOSTS;
