/** hardware.pcie_efficiency: the calibration knob `servesim fit` uses for a stack's copy bandwidth. */
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../src/systems/hardware.js';

describe('resolveHardware({pcie_efficiency})', () => {
  it('scales the host link: an RTX 4090 on pinned PCIe Gen4 (25 GB/s) at 0.4 moves 10 GB/s', () => {
    expect(resolveHardware({ gpu: 'rtx-4090' }).pcie.bandwidth).toBe(25e9);
    expect(resolveHardware({ gpu: 'rtx-4090', pcie_efficiency: 0.4 }).pcie.bandwidth).toBeCloseTo(10e9, 3);
  });
  it('goes above 1 (a host that beats the preset, up to the line rate) and refuses more than 1.5', () => {
    // PCIe 4.0 x16 line rate 31.5 GB/s = 1.26 x the 25 GB/s preset.
    expect(resolveHardware({ gpu: 'rtx-4090', pcie_efficiency: 1.26 }).pcie.bandwidth).toBeCloseTo(31.5e9, 3);
    expect(() => resolveHardware({ gpu: 'rtx-4090', pcie_efficiency: 1.6 })).toThrow();
  });
  it('leaves the link latency alone', () => {
    expect(resolveHardware({ gpu: 'rtx-4090', pcie_efficiency: 0.4 }).pcie.latency).toBe(resolveHardware({ gpu: 'rtx-4090' }).pcie.latency);
  });
});
