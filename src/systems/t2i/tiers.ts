/**
 * The adapter path: store (disk or remote object store) -> host memory -> GPU memory, a Link for
 * each hop. A file read is the store link's transfer plus host deserialisation; the host->GPU hop
 * is the GPU's PCIe link. Each call pins the adapter in the tier it ends in; the caller unpins.
 */
import type { Env } from '../../engine/env.js';
import type { Link } from '../../engine/link.js';
import type { TraceLanes } from '../../metrics/lanes.js';
import type { AdapterCache } from './cache.js';

/** Where an adapter was found: already on the GPU, in host memory, or read from the store. */
export type Source = 'gpu' | 'host' | 'store';

export class Tiers {
  constructor(
    private readonly env: Env,
    readonly store: Link,
    /** Host deserialisation rate, bytes/s. */
    private readonly parseRate: number,
    /** Host CPU activity for timelines (parse slices). */
    private readonly cpu?: TraceLanes,
  ) {}

  /** Make `key` resident in `host` and pin it; `done(hit)`. */
  toHost(host: AdapterCache, key: string, bytes: number, label: string, done: (hit: boolean) => void): void {
    const e = host.get(key);
    if (e) {
      host.use(e);
      host.whenReady(e, () => done(true));
      return;
    }
    const n = host.admit(key, bytes);
    this.store.transfer(bytes, {
      label,
      args: { adapter: key },
      onDone: () => {
        this.cpu?.slice('parse', this.env.now, this.env.now + bytes / this.parseRate, { adapter: key, bytes });
        this.env.schedule(bytes / this.parseRate, () => {
          host.ready(n);
          done(false);
        });
      },
    });
  }

  /** Make `key` resident in `gpu` and pin it there; `done(source)`. */
  toGpu(host: AdapterCache, gpu: AdapterCache, pcie: Link, key: string, bytes: number, label: string, done: (src: Source) => void): void {
    const e = gpu.get(key);
    if (e) {
      gpu.use(e);
      gpu.whenReady(e, () => done('gpu'));
      return;
    }
    const n = gpu.admit(key, bytes);
    this.toHost(host, key, bytes, label, (hit) => {
      pcie.transfer(bytes, {
        label,
        args: { adapter: key, source: hit ? 'host' : 'store' },
        onDone: () => {
          host.unpin(key);
          gpu.ready(n);
          done(hit ? 'host' : 'store');
        },
      });
    });
  }
}
