/** Fetch on demand: the layer stalls until the expert has crossed PCIe. Exact, and slow. */
import { FETCH, type MissFactory } from '../../types.js';

export const fetch: MissFactory = () => ({ decide: () => FETCH });
