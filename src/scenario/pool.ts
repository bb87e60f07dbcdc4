/**
 * A fixed pool of worker threads running jobs. The caller never has more jobs in flight than
 * workers, so each job goes to an idle worker; results come back as plain data (structured clone).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import type { JobResult } from './execute.js';
import { fromWire, type WireError } from './errors.js';
import type { Job, Plan } from './plan.js';

type Reply =
  | { type: 'ready' }
  | { type: 'done'; result: JobResult }
  | { type: 'error'; index: number; error: WireError }
  | { type: 'progress'; index: number; fraction: number };

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  current?: { job: Job; resolve: (r: JobResult) => void; reject: (e: Error) => void };
  /** Why the worker died (it failed to start or crashed); a dead worker takes no jobs. */
  dead?: Error;
}

/**
 * The compiled worker and default registry: beside this module in dist/src/scenario/; from the
 * bundled CLI (this module inlined into dist/src/cli/main.js) one folder over; under tests
 * (running from src/) the built ones in dist/.
 */
export function workerFiles(): { worker: URL; registry: URL } {
  for (const dir of ['./', '../scenario/']) {
    const worker = new URL(`${dir}worker.js`, import.meta.url);
    if (existsSync(fileURLToPath(worker))) return { worker, registry: new URL(`${dir}../registry.js`, import.meta.url) };
  }
  const dist = new URL('../../dist/src/scenario/', import.meta.url);
  const built = new URL('worker.js', dist);
  if (!existsSync(fileURLToPath(built))) throw new ConfigError('parallel runs need the compiled worker: run `npm run build` first (or use --jobs 1)');
  return { worker: built, registry: new URL('../registry.js', dist) };
}

export class WorkerPool {
  private slots: Slot[] = [];
  private closed = false;

  constructor(
    size: number,
    plan: Plan,
    registryModule: string,
    private readonly onProgress?: (index: number, fraction: number) => void,
  ) {
    const { worker } = workerFiles();
    for (let i = 0; i < size; i++) {
      const w = new Worker(worker, { workerData: { registryModule, plan } });
      let markReady!: () => void;
      const slot: Slot = { worker: w, ready: new Promise<void>((r) => (markReady = r)) };
      w.on('message', (msg: Reply) => this.onMessage(slot, msg, markReady));
      w.on('error', (e) => this.failSlot(slot, e));
      w.on('exit', (code) => {
        if (!this.closed) this.failSlot(slot, new Error(`worker thread exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** `plan`: run the job against this plan instead of the pool's (capacity probes vary one field per job). */
  run(job: Job, plan?: Plan): Promise<JobResult> {
    const slot = this.slots.find((s) => !s.current && !s.dead);
    if (!slot) {
      const dead = this.slots.find((s) => s.dead)?.dead;
      return Promise.reject(dead ?? new Error('worker pool: no idle worker (caller exceeded the pool size)'));
    }
    return new Promise<JobResult>((resolve, reject) => {
      slot.current = { job, resolve, reject };
      void slot.ready.then(() => slot.worker.postMessage(plan ? { type: 'job', job, plan } : { type: 'job', job }));
    });
  }

  /** Ask every worker to abort its job; their promises reject with an AbortError. */
  abort(): void {
    for (const s of this.slots) s.worker.postMessage({ type: 'abort' });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private onMessage(slot: Slot, msg: Reply, markReady: () => void): void {
    if (msg.type === 'ready') return markReady();
    if (msg.type === 'progress') return this.onProgress?.(msg.index, msg.fraction);
    const cur = slot.current;
    if (!cur) return;
    slot.current = undefined;
    if (msg.type === 'done') cur.resolve(msg.result);
    else cur.reject(fromWire(msg.error));
  }

  private failSlot(slot: Slot, e: Error): void {
    slot.dead ??= e;
    const cur = slot.current;
    slot.current = undefined;
    cur?.reject(e);
  }
}
