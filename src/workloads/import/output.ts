/**
 * Buffered line output for trace writers (`trace gen`, `trace import`): a file, or stdout for `-`.
 * A file is written to `<path>.partial` and renamed onto `<path>` only by `close()`, so a run that
 * fails half way (bad input, a missing source) leaves no empty or truncated trace behind; `abort()`
 * removes the partial file. `writeTrace` pairs the two around a body.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { InputError } from '../../errors.js';

export class LineWriter {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  private readonly partial?: string;
  lines = 0;

  constructor(private readonly path: string) {
    if (path === '-') {
      this.fd = 1;
      return;
    }
    this.partial = `${path}.partial`;
    try {
      this.fd = openSync(this.partial, 'w');
    } catch (e) {
      throw new InputError(`cannot write the output (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
    }
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  /** Flush and, for a file, move the finished trace into place. */
  close(): void {
    this.flush();
    if (this.partial === undefined) return;
    closeSync(this.fd);
    try {
      renameSync(this.partial, this.path);
    } catch (e) {
      rmSync(this.partial, { force: true });
      throw new InputError(`cannot write the output (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: this.path });
    }
  }

  /** Drop what was written: the partial file goes, `<path>` is left as it was. */
  abort(): void {
    this.buf = [];
    if (this.partial === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.partial, { force: true });
  }
}

/** Run `body` with a writer on `path`; the trace appears only if `body` returns. */
export async function writeTrace<T>(path: string, body: (w: LineWriter) => T | Promise<T>): Promise<T> {
  const w = new LineWriter(path);
  let result: T;
  try {
    result = await body(w);
  } catch (e) {
    w.abort();
    throw e;
  }
  w.close();
  return result;
}
