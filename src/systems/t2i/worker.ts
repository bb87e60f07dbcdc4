/**
 * A serving worker: one GPU that runs the denoiser (plus, for parallel ControlNet placement, the
 * dedicated GPUs that run its ControlNets). It serves one request at a time from its own queue,
 * holds a LoRA cache and a ControlNet cache in GPU memory, remembers which LoRAs are merged into
 * its weights, and accumulates busy time per GPU.
 */
import type { Link } from '../../engine/link.js';
import type { MemoryPool } from '../../engine/memory.js';
import { Fifo } from '../../engine/queues.js';
import type { AdapterCache } from './cache.js';
import type { WorkerView } from './types.js';

/** A GPU that runs ControlNets: its cache, its PCIe link, and busy time. */
export interface ControlNetGpu {
  track: string;
  pool: MemoryPool;
  cache: AdapterCache;
  pcie: Link;
  busy: number;
}

export class Worker<J> implements WorkerView {
  readonly queue = new Fifo<J>();
  running: J | null = null;
  /** LoRAs merged into this worker's weights (each holds a pin in loraCache). */
  readonly patched = new Set<string>();
  /** Serving-GPU busy seconds. */
  busy = 0;

  constructor(
    readonly index: number,
    readonly track: string,
    readonly pool: MemoryPool,
    readonly pcie: Link,
    readonly loraCache: AdapterCache,
    /** GPUs running this worker's ControlNets: its own (serial) or dedicated ones. */
    readonly controlnetGpus: ControlNetGpu[],
  ) {}

  get outstanding(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  holdsLora(id: string): boolean {
    return this.loraCache.holds(id);
  }
}
