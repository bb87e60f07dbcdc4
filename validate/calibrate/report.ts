/** The fit report's rows (pure, so a profile's fits can be redone and reported without a device). */
import type { LinkFit, OpFit } from '../../src/hardware/profile.js';

export interface FitRow {
  key: string;
  model: string;
  samples: number;
  r2: number;
  r2_linear: number;
  holdout_error: number;
  candidates: Record<string, number>;
  summary: string;
}

/** One fit's parameters in words, for the report's summary column. */
export function describeFit(fit: OpFit | LinkFit): string {
  const line = (f: { bandwidth: number; latency_s: number }) => `${(f.bandwidth / 1e9).toFixed(3)} GB/s + ${(f.latency_s * 1e6).toFixed(1)} us`;
  if ('bandwidth' in fit) {
    if (!fit.segments) return line(fit);
    return fit.segments.map((g, i) => `${i === 0 ? 'below' : 'from'} ${i === 0 ? fit.segments![1]!.from_bytes : g.from_bytes} B: ${line(g)}`).join('; ');
  }
  if (fit.model === 'roofline')
    return `${(fit.flops_per_s / 1e9).toFixed(2)} GFLOP/s, ${(fit.bytes_per_s / 1e9).toFixed(2)} GB/s, +${(fit.overhead_s * 1e6).toFixed(1)} us`;
  return `${fit.points.length} points in ${fit.x}`;
}
