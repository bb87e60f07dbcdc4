/** hardware.pcie_efficiency: the calibration knob `servesim fit` uses for a stack's copy bandwidth. */
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../src/systems/hardware.js';

describe('resolveHardware({pcie_efficiency})', () => {
  it('scales the host link: an RTX 4090 on pinned PCIe Gen4 (25 GB/s) at 0.4 moves 10 GB/s', () => {
    expect(resolveHardware({ gpu: 'rtx-4090' }).pcie.bandwidth).toBe(25e9);
    expect(resolveHardware({ gpu: 'rtx-4090', pcie_efficiency: 0.4 }).pcie.bandwidth).toBeCloseTo(10e9, 3);
  });
  it('leaves the link latency alone', () => {
    expect(resolveHardware({ gpu: 'rtx-4090', pcie_efficiency: 0.4 }).pcie.latency).toBe(resolveHardware({ gpu: 'rtx-4090' }).pcie.latency);
  });
});
