/** Closed-form transfer time on an otherwise idle link (the event-driven Link shares bandwidth). */
import type { LinkSpec } from '../hardware/types.js';

export function transferSeconds(bytes: number, link: Pick<LinkSpec, 'bandwidth' | 'latency'>): number {
  return link.latency + bytes / link.bandwidth;
}
