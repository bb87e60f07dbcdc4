/**
 * Buddy tables for substitution (BuddyMoE): which resident expert can stand in for a missing one.
 * Similarity is either a given matrix (JSON, E x E for every layer or L x E x E), or co-activation
 * counts: experts the router picks together for the same token are taken to be similar. Counts
 * grow from the rows already run (causal: no peeking at the future).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';

export class BuddyTable {
  private readonly sim: Float64Array;
  private readonly out: number[] = [];

  constructor(
    private readonly layers: number,
    private readonly experts: number,
    private readonly fixed = false,
    matrix?: Float64Array,
    /** How many buddies a query returns, best first. */
    private readonly top = 3,
  ) {
    this.sim = matrix ?? new Float64Array(layers * experts * experts);
  }

  /** Count co-activations of one (token, layer) routing. */
  observe(layer: number, experts: readonly number[]): void {
    if (this.fixed) return;
    const E = this.experts;
    const base = layer * E * E;
    for (let i = 0; i < experts.length; i++) {
      for (let j = 0; j < experts.length; j++) if (i !== j) this.sim[base + experts[i]! * E + experts[j]!]! += 1;
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
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new InputError(err.code ? `cannot read buddy matrix (${err.code})` : `not valid JSON (${err.message})`, { file: path });
    }
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
