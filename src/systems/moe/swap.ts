/**
 * mixtral-offloading's swap, as its code issues it (dvmazur/mixtral-offloading src/expert_cache.py,
 * ExpertCache._swap): the needed expert is copied into a device buffer and the evicted one back to
 * its pinned host buffer, both `copy_(..., non_blocking=True)` on the current stream. Stream order
 * puts the copy-back behind the load, and whatever is queued on that stream after them (the
 * expert's kernels) waits for both. `swap: in-order` in the moe policy; with `copy_stream:
 * compute` the two copies hold the compute stream, so neither overlaps GPU work.
 */
import type { Link, Transfer, TransferOptions } from '../../engine/index.js';

/** Load `bytes` host-to-device, then copy `backBytes` device-to-host; `opts.onDone` fires after both, with the load. */
export function loadThenCopyBack(h2d: Link, d2h: Link, bytes: number, backBytes: number, opts: TransferOptions): Transfer {
  const done = opts.onDone;
  return h2d.transfer(bytes, {
    ...opts,
    onDone: (load) => {
      d2h.transfer(backBytes, { label: 'swap out', onDone: () => done?.(load) });
    },
  });
}
