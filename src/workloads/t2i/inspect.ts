/**
 * `trace inspect` for t2i: size and rate, adapter mixes, and popularity (distinct adapters and the
 * share of uses taken by the most popular ones), streamed so a 20-day trace needs no more memory
 * than its distinct ids.
 */
import type { TraceStats } from '../types.js';
import { readT2i } from './reader.js';
import { mixKey } from './row.js';

export async function inspectT2i(file: string): Promise<TraceStats> {
  let rows = 0;
  let first = NaN;
  let last = 0;
  let steps = 0;
  let withSteps = 0;
  const mixes = new Map<string, number>();
  const loraCount = [0, 0, 0, 0];
  const cnCount = [0, 0, 0, 0];
  const loraUses = new Map<string, number>();
  const cnUses = new Map<string, number>();
  const models = new Set<string>();
  const sizes = new Set<string>();
  for await (const r of readT2i(file)) {
    if (rows === 0) first = r.arrival_s;
    rows++;
    last = r.arrival_s;
    const key = mixKey(r.controlnets.length, r.loras.length);
    mixes.set(key, (mixes.get(key) ?? 0) + 1);
    loraCount[r.loras.length]!++;
    cnCount[r.controlnets.length]!++;
    for (const id of r.loras) loraUses.set(id, (loraUses.get(id) ?? 0) + 1);
    for (const id of r.controlnets) cnUses.set(id, (cnUses.get(id) ?? 0) + 1);
    if (r.steps !== undefined) {
      steps += r.steps;
      withSteps++;
    }
    if (r.model !== undefined) models.add(r.model);
    if (r.width !== undefined) sizes.add(`${r.width}x${r.height}`);
  }
  const span = rows > 1 ? last - first : 0;
  const out: TraceStats = {
    rows,
    first_arrival_s: rows ? first : 0,
    last_arrival_s: last,
    duration_s: span,
    rate_per_s: span > 0 ? (rows - 1) / span : 0,
  };
  for (const [k, n] of [...mixes.entries()].sort()) out[`mix_share.${k}`] = n / rows;
  loraCount.forEach((n, i) => (out[`lora_count_share.${i}`] = rows ? n / rows : 0));
  cnCount.forEach((n, i) => (out[`controlnet_count_share.${i}`] = rows ? n / rows : 0));
  out.lora_uses = sum(loraUses);
  out.distinct_loras = loraUses.size;
  out.top10_lora_share = topShare(loraUses, 10);
  out.top1pct_lora_share = topShare(loraUses, Math.max(1, Math.ceil(loraUses.size / 100)));
  out.controlnet_uses = sum(cnUses);
  out.distinct_controlnets = cnUses.size;
  out.top5_controlnet_share = topShare(cnUses, 5);
  if (withSteps) out.mean_steps = steps / withSteps;
  if (models.size) out.models = [...models].sort().join('|');
  if (sizes.size) out.resolutions = [...sizes].sort().join('|');
  return out;
}

function sum(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

/** Share of all uses taken by the k most used ids (0 when there are none). */
function topShare(m: Map<string, number>, k: number): number {
  const total = sum(m);
  if (total === 0) return 0;
  const top = [...m.values()].sort((a, b) => b - a).slice(0, k);
  return top.reduce((a, b) => a + b, 0) / total;
}
