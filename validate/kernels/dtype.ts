/** Kernel element types: storage in f32 or f16, arithmetic accumulated in f32 either way. */
import type { Dtype } from '../../src/hardware/types.js';

export type KDtype = 'f32' | 'f16';

export function elemBytes(t: KDtype): number {
  return t === 'f16' ? 2 : 4;
}

/** The cost model's dtype name for a kernel dtype. */
export function costDtype(t: KDtype): Dtype {
  return t === 'f16' ? 'fp16' : 'fp32';
}

/** WGSL prologue: `enable f16;` when needed and an alias `T` for the storage type. */
export function prologue(t: KDtype): string {
  return t === 'f16' ? 'enable f16;\nalias T = f16;\n' : 'alias T = f32;\n';
}

/** Relative error bound a kernel must meet against the CPU reference (||gpu-ref|| / ||ref||). */
export function tolerance(t: KDtype): number {
  // f32 storage with f32 accumulation: rounding ~1e-7 per op, sums of up to 16k terms stay < 1e-5.
  // f16 outputs and intermediates are rounded to 11 significant bits (2^-11 ~ 4.9e-4 per rounding);
  // a few roundings in a chain stay well under 5e-3.
  return t === 'f16' ? 5e-3 : 2e-5;
}
