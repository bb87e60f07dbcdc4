/** Buffered line output for converted traces: a file, or stdout for `-`. */
import { closeSync, openSync, writeSync } from 'node:fs';

export class LineWriter {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  lines = 0;

  constructor(path: string) {
    this.fd = path === '-' ? 1 : openSync(path, 'w');
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

  close(): void {
    this.flush();
    if (this.fd !== 1) closeSync(this.fd);
  }
}
