/**
 * Compute pipelines compiled once per (device, WGSL source), and Invocations: a pipeline, a bind
 * group and a dispatch size, ready to be encoded any number of times into a compute pass.
 */
import { uniformBuffer } from '../gpu/buffers.js';

const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function pipeline(device: GPUDevice, code: string, label: string): GPUComputePipeline {
  let m = cache.get(device);
  if (!m) cache.set(device, (m = new Map()));
  let p = m.get(code);
  if (!p) {
    const module = device.createShaderModule({ code, label });
    p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
    m.set(code, p);
  }
  return p;
}

export interface Invocation {
  readonly label: string;
  encode(pass: GPUComputePassEncoder): void;
}

/** A dispatch of `p` with buffers bound in order at bindings 0.. (a uniform block first if given). */
export function invocation(
  device: GPUDevice,
  p: GPUComputePipeline,
  label: string,
  uniforms: ArrayBuffer | null,
  buffers: Array<GPUBuffer | { buffer: GPUBuffer; offset: number; size: number }>,
  groups: [number, number?, number?],
): Invocation {
  const entries: GPUBindGroupEntry[] = [];
  let b = 0;
  if (uniforms) entries.push({ binding: b++, resource: { buffer: uniformBuffer(device, uniforms, `${label} dims`) } });
  for (const buf of buffers) entries.push({ binding: b++, resource: 'buffer' in buf ? buf : { buffer: buf } });
  const bindGroup = device.createBindGroup({ layout: p.getBindGroupLayout(0), entries, label });
  const [x, y = 1, z = 1] = groups;
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (x > max || y > max || z > max) throw new Error(`${label}: dispatch ${x}x${y}x${z} exceeds ${max} workgroups per dimension`);
  return {
    label,
    encode(pass) {
      pass.setPipeline(p);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    },
  };
}

/** Encode invocations into one compute pass and submit it. */
export function submit(device: GPUDevice, invs: Invocation[]): void {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const inv of invs) inv.encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
}

/** Pack u32/f32 fields into a uniform block (each 4 bytes, in order). */
export function pack(fields: Array<['u32' | 'f32', number]>): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const dv = new DataView(buf);
  fields.forEach(([t, v], i) => (t === 'u32' ? dv.setUint32(i * 4, v, true) : dv.setFloat32(i * 4, v, true)));
  return buf;
}
