/** Buffer helpers: upload host arrays, read results back, size rounding. */
import { fromF16, toF16 } from './f16.js';
import type { KDtype } from '../kernels/dtype.js';

const S = () => GPUBufferUsage;

/** Round up to a multiple of `a`. */
export function alignUp(n: number, a = 256): number {
  return Math.ceil(n / a) * a;
}

/** Host bytes of `xs` in the device layout of `dtype`. */
export function encode(xs: ArrayLike<number>, dtype: KDtype): Uint8Array {
  if (dtype === 'f16') {
    const h = toF16(xs);
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  }
  const f = xs instanceof Float32Array ? xs : Float32Array.from(xs);
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

export function storageBuffer(device: GPUDevice, bytes: number, label?: string, extra = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: alignUp(Math.max(bytes, 4), 16),
    usage: S().STORAGE | S().COPY_DST | S().COPY_SRC | extra,
  });
}

/** A storage buffer holding `xs` encoded as `dtype`. */
export function upload(device: GPUDevice, xs: ArrayLike<number>, dtype: KDtype, label?: string): GPUBuffer {
  const data = encode(xs, dtype);
  const buf = storageBuffer(device, data.byteLength, label);
  device.queue.writeBuffer(buf, 0, data, 0, alignUp(data.byteLength, 4));
  return buf;
}

export function uniformBuffer(device: GPUDevice, words: ArrayBuffer, label?: string): GPUBuffer {
  const buf = device.createBuffer({ label, size: alignUp(words.byteLength, 16), usage: S().UNIFORM | S().COPY_DST });
  device.queue.writeBuffer(buf, 0, words);
  return buf;
}

/** Copy `bytes` of `src` to a mappable buffer and return them. */
export async function readBytes(device: GPUDevice, src: GPUBuffer, bytes: number, offset = 0): Promise<Uint8Array> {
  const size = alignUp(bytes, 4);
  const dst = device.createBuffer({ size, usage: S().MAP_READ | S().COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, offset, dst, 0, size);
  device.queue.submit([enc.finish()]);
  await dst.mapAsync(GPUMapMode.READ);
  const out = new Uint8Array(dst.getMappedRange().slice(0, bytes));
  dst.unmap();
  dst.destroy();
  return out;
}

/** Read `n` elements of `dtype` as f32. */
export async function readValues(device: GPUDevice, src: GPUBuffer, n: number, dtype: KDtype, offsetElems = 0): Promise<Float32Array> {
  const e = dtype === 'f16' ? 2 : 4;
  const start = offsetElems * e;
  const aligned = start - (start % 4);
  const raw = await readBytes(device, src, n * e + (start - aligned), aligned);
  const body = raw.slice(start - aligned);
  if (dtype === 'f16') return fromF16(new Uint16Array(body.buffer, 0, n), n);
  return new Float32Array(body.buffer, 0, n);
}
