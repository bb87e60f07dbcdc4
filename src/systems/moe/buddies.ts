/**
 * Buddy tables for substitution (BuddyMoE, arXiv 2511.10054): which resident expert can stand in
 * for a missing one. BuddyMoE finds buddies offline, from co-activation across tokens and output
 * similarity; here:
 *  - a profiling trace (`buddy_profile`: a routing CSV, or a generated trace of the same workload
 *    with another seed): co-activation counts, experts the router picks together for one token
 *    taken to be similar; built before the run and fixed;
 *  - an output-similarity matrix (`buddy_matrix`, JSON, E x E for every layer or L x E x E);
 *  - both: the product of row-normalised co-activation and similarity (an assumption: a buddy must
 *    score on both);
 *  - `buddy_online`: counts learnt from the replayed trace itself as it runs (in-sample, causal:
 *    a layer's routing is counted after its misses were decided). Only when asked for.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { parseJson } from '../../json-text.js';
import type { MoeRow } from '../../workloads/moe/types.js';

export class BuddyTable {
  private readonly sim: Float64Array;
  private readonly out: number[] = [];

  constructor(
    private readonly layers: number,
    private readonly experts: number,
    private fixed: boolean = false,
    matrix?: Float64Array,
    /** How many buddies a query returns, best first. */
    private readonly top = 3,
  ) {
    this.sim = matrix ?? new Float64Array(layers * experts * experts);
  }

  /** Stop learning: the table is what a profiling pass built. */
  freeze(): this {
    this.fixed = true;
    return this;
  }

  /** Co-activation counts of every decode row of a profiling trace (prefill rows have more than top-k experts). */
  static async fromProfile(rows: Iterable<MoeRow> | AsyncIterable<MoeRow>, layers: number, experts: number, topK: number, top: number): Promise<BuddyTable> {
    const t = new BuddyTable(layers, experts, false, undefined, top);
    for await (const r of rows) if (r.experts.length <= topK) t.observe(r.layer, r.experts);
    return t.freeze();
  }

  /** Scale each (layer, expert) row of this table to max 1 and multiply by `other` elementwise. */
  weightBy(other: BuddyTable): this {
    const E = this.experts;
    for (let r = 0; r < this.layers * E; r++) {
      let max = 0;
      for (let b = 0; b < E; b++) max = Math.max(max, this.sim[r * E + b]!);
      for (let b = 0; b < E; b++) this.sim[r * E + b] = max > 0 ? (this.sim[r * E + b]! / max) * other.sim[r * E + b]! : 0;
    }
    return this;
  }

  /** Count co-activations of one (token, layer) routing. */
  observe(layer: number, experts: ArrayLike<number>, s = 0, e = experts.length): void {
    if (this.fixed) return;
    const E = this.experts;
    const base = layer * E * E;
    for (let i = s; i < e; i++) {
      for (let j = s; j < e; j++) if (i !== j) this.sim[base + experts[i]! * E + experts[j]!]! += 1;
    }
  }

  /** The `top` most similar experts to `expert` (similarity > 0), best first, ties to the lower id. */
  buddies(layer: number, expert: number): readonly number[] {
    const E = this.experts;
    const row = (layer * E + expert) * E;
    const out = this.out;
    out.length = 0;
    for (let b = 0; b < E; b++) {
      if (b === expert) continue;
      const s = this.sim[row + b]!;
      if (!(s > 0)) continue;
      // Insert b into the short sorted list if it beats the worst kept.
      let i = out.length;
      if (i === this.top && !(s > this.sim[row + out[i - 1]!]!)) continue;
      if (i === this.top) out.pop(), i--;
      while (i > 0 && this.sim[row + out[i - 1]!]! < s) i--;
      out.splice(i, 0, b);
    }
    return out;
  }

  static fromFile(path: string, layers: number, experts: number, top: number): BuddyTable {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read buddy matrix (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
    }
    const raw = parseJson(text, path);
    const m = new Float64Array(layers * experts * experts);
    const square = (x: unknown, at: string, into: number): void => {
      if (!Array.isArray(x) || x.length !== experts) throw new InputError(`expected ${experts} rows`, { file: path, field: at || '(root)' });
      x.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== experts) throw new InputError(`expected ${experts} numbers`, { file: path, field: `${at}[${i}]` });
        row.forEach((v, j) => {
          if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`expected a finite number, got ${JSON.stringify(v)}`, { file: path, field: `${at}[${i}][${j}]` });
          m[into + i * experts + j] = v;
        });
      });
    };
    const obj = raw as { similarity?: unknown };
    const data = raw && typeof raw === 'object' && !Array.isArray(raw) && 'similarity' in obj ? obj.similarity : raw;
    const at = data === raw ? '' : 'similarity';
    if (Array.isArray(data) && Array.isArray(data[0]) && Array.isArray((data[0] as unknown[])[0])) {
      if (data.length !== layers) throw new InputError(`expected ${layers} layer matrices, got ${data.length}`, { file: path, field: at || '(root)' });
      data.forEach((layer, l) => square(layer, `${at}[${l}]`, l * experts * experts));
    } else {
      square(data, at, 0);
      for (let l = 1; l < layers; l++) m.copyWithin(l * experts * experts, 0, experts * experts);
    }
    return new BuddyTable(layers, experts, true, m, top);
  }
}
