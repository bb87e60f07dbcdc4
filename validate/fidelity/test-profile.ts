/**
 * A hand-sized profile for the fidelity tests: one op kind on a compute-only roofline at 1 GFLOP/s
 * (no memory roof, no overhead), so an op of F FLOPs takes F / 1e9 s; h2d 1 GB/s, d2h 1 ms + 1 GB/s.
 */
import { profileSchema, type Profile } from '../../src/hardware/profile.js';

export function gflopProfile(opKind: string, overlap = 1): Profile {
  return profileSchema.parse({
    servesim_profile: 1,
    created: '2026-01-01T00:00:00Z',
    adapter: { vendor: 'test', architecture: 'test', device: 'test', description: 'test' },
    features: [],
    timing: 'wall-clock',
    samples: [],
    ops: { [opKind]: { model: 'roofline', flops_per_s: 1e9, bytes_per_s: 1e30, overhead_s: 0 } },
    links: { h2d: { bandwidth: 1e9, latency_s: 0 }, d2h: { bandwidth: 1e9, latency_s: 1e-3 } },
    overlap,
  });
}
