/** CSV writing of routing rows: the full header always, optional cells left empty. */
import type { MoeRow } from './types.js';

export const MOE_HEADER = 'request,token,layer,experts,weights,predicted,arrival_s';

export function moeRowToCsv(r: MoeRow): string {
  return `${r.request},${r.token},${r.layer},${r.experts.join('|')},${r.weights ? r.weights.join('|') : ''},${
    r.predicted ? r.predicted.join('|') : ''
  },${r.arrival_s ?? ''}`;
}
