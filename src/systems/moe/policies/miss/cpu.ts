/**
 * Compute the missing expert on the CPU from its host copy (Fiddler): only the activations cross
 * PCIe. With cpu_when 'faster', only when the CPU's estimate beats fetching the weights.
 */
import { CPU, FETCH, fallbackAllowed, type MissFactory } from '../../types.js';

export const cpu: MissFactory = (cfg) => ({
  decide: (m) => (fallbackAllowed(m, cfg) && (cfg.cpu_when === 'always' || m.cpuSeconds < m.fetchSeconds) ? CPU : FETCH),
});
