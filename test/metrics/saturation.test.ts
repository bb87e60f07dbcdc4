import { describe, expect, it } from 'vitest';
import { saturationAtPoint } from '../../src/metrics/saturation.js';

const rep = (replication: number, simulated_s: number, inFlight = 0, arrived = 300) => ({
  replication,
  simulated_s,
  conservation: { arrived, completed: arrived - inFlight, rejected: 0, inFlight },
});

describe('saturationAtPoint(policies)', () => {
  it('flags a policy that finishes > 5% after the fastest one on the same seed', () => {
    // Seed 0: fastest 331.9 s; 359.0 s is 8.2% later (saturated), 335 s is 0.9% later (stable).
    const [fast, slow, close] = saturationAtPoint([[rep(0, 331.9), rep(1, 294.8)], [rep(0, 359.0), rep(1, 296)], [rep(0, 335), rep(1, 300)]]);
    expect(fast).toMatchObject({ saturated: 0, replications: 2 });
    expect(slow!.saturated).toBe(1);
    expect(slow!.reason).toContain('8% later');
    expect(close!.saturated).toBe(0);
  });
  it('flags a time-limited run with more than 5% of its arrivals still in flight', () => {
    const [v] = saturationAtPoint([[rep(0, 100, 16, 300), rep(1, 100, 15, 300)]]);
    // 16/300 = 5.3% > 5%; 15/300 = 5% is not more than 5%.
    expect(v).toMatchObject({ saturated: 1, replications: 2, reason: '16 of 300 requests still queued at the end' });
  });
});
