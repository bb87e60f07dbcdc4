/**
 * Decoding a user's text file strictly: invalid UTF-8 is an InputError naming the line of the
 * first bad byte, never text with U+FFFD silently standing in for what the user wrote.
 */
import { InputError } from './errors.js';

const strict = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(buf: Uint8Array, file: string): string {
  try {
    return strict.decode(buf).replace(/^\uFEFF/, '');
  } catch {
    const at = firstInvalidByte(buf);
    let line = 1;
    let col = 1;
    for (let i = 0; i < at; i++) {
      if (buf[i] === 0x0a) {
        line++;
        col = 1;
      } else col++;
    }
    // The key on that line, if it has one (YAML `key:` or JSON `"key":`), is the field.
    let start = at;
    while (start > 0 && buf[start - 1] !== 0x0a) start--;
    const key = /^\s*["']?([A-Za-z_][\w.-]*)["']?\s*:/.exec(Buffer.from(buf.subarray(start, at)).toString('latin1'))?.[1];
    throw new InputError(`invalid UTF-8 (byte 0x${(buf[at] ?? 0).toString(16).padStart(2, '0')} at column ${col}); save the file as UTF-8`, { file, line, ...(key !== undefined ? { field: key } : {}) });
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidByte(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return buf.length;
}
