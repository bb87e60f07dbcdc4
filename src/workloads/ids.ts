/**
 * A set of request ids that stays small on huge traces. Ids of the usual form, a short prefix and
 * a decimal number (`r0`, `req-1234567`), are kept as bits in one growing bitmap per prefix: 5 M
 * ids cost ~0.6 MB instead of ~700 MB of strings in a Set. Any other id (or a number too large
 * for a bitmap) goes to a plain Set, so membership stays exact for every id.
 */

/** Largest number kept in a bitmap (8 MiB of bits); larger ones go to the Set. */
const MAX_BIT = 1 << 26;
const ID_FORM = /^([^0-9]{0,16}?)(0|[1-9][0-9]{0,8})$/;

export class IdSet {
  private readonly bitmaps = new Map<string, Uint8Array>();
  private readonly others = new Set<string>();
  size = 0;

  /** Add `id`; false if it was already there. */
  add(id: string): boolean {
    const m = ID_FORM.exec(id);
    const n = m ? Number(m[2]) : -1;
    if (!m || n >= MAX_BIT) {
      if (this.others.has(id)) return false;
      this.others.add(id);
      this.size++;
      return true;
    }
    const prefix = m[1]!;
    let bits = this.bitmaps.get(prefix);
    const byte = n >>> 3;
    if (!bits || byte >= bits.length) {
      const grown = new Uint8Array(Math.max(1024, 2 ** Math.ceil(Math.log2(byte + 1))));
      if (bits) grown.set(bits);
      this.bitmaps.set(prefix, (bits = grown));
    }
    const mask = 1 << (n & 7);
    if (bits[byte]! & mask) return false;
    bits[byte] = bits[byte]! | mask;
    this.size++;
    return true;
  }
}
