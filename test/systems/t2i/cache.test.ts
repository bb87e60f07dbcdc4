import { describe, expect, it } from 'vitest';
import { MemoryPool } from '../../../src/engine/memory.js';
import { AdapterCache } from '../../../src/systems/t2i/cache.js';
import { evictionPolicies } from '../../../src/systems/t2i/policies/placement/index.js';
import { MiB, run, trace } from './helpers.js';

/** Misses of a capacity-2 cache over a sequence of single-use accesses. */
function misses(policy: 'lru' | 'lfu', seq: string): number {
  const pool = new MemoryPool('test', 10);
  const c = new AdapterCache('test', 2, evictionPolicies[policy](), pool, 'x:');
  for (const k of seq) {
    const e = c.get(k);
    if (e) c.use(e);
    else c.ready(c.admit(k, 1));
    c.unpin(k);
    expect(c.resident).toBeLessThanOrEqual(2);
    expect(pool.used).toBe(c.resident);
  }
  return c.misses;
}

// Capacity 2, by hand:
//  AAABCDA: LRU keeps the two latest, so A is gone when it returns: misses A B C D A = 5.
//           LFU keeps A (count 3) and cycles the rest through the other slot: A B C D = 4.
//  AAABCBCBCA: LRU holds B and C while they alternate: A B C A = 4.
//           LFU keeps A (3) and evicts whichever of B/C has the lower count each time, so B and C
//           evict each other until both pass A; then A (LRU among ties) goes: A B C B C B C A = 8.
const SEQ_LFU_WINS = 'AAABCDA';
const SEQ_LRU_WINS = 'AAABCBCBCA';

describe('LoRA cache eviction: LRU vs LFU on hand-made sequences', () => {
  it('AdapterCache counts the hand-computed misses', () => {
    expect(misses('lru', SEQ_LFU_WINS)).toBe(5);
    expect(misses('lfu', SEQ_LFU_WINS)).toBe(4);
    expect(misses('lru', SEQ_LRU_WINS)).toBe(4);
    expect(misses('lfu', SEQ_LRU_WINS)).toBe(8);
  });

  it('the simulated host LoRA cache reads the store exactly that often', async () => {
    const model = { preset: 'sdxl', steps: 2, unet_step_ms: 10, text_encoder_ms: 0, vae_ms: 0, lora_mib: 512 };
    for (const [seq, lru, lfu] of [
      [SEQ_LFU_WINS, 5, 4],
      [SEQ_LRU_WINS, 4, 8],
    ] as const) {
      const file = trace([...seq].map((k, i) => [i * 100, `lora-${k}`, ''] as [number, string, string]));
      for (const [eviction, expected] of [
        ['lru', lru],
        ['lfu', lfu],
      ] as const) {
        // Room for exactly two 512 MiB LoRAs.
        const out = await run({ model, policy: { application: 'merge', host_cache_gib: 1, host_eviction: eviction }, workload: { trace: file } });
        expect((out.metrics.lora_cache as Record<string, number>).store_reads, `${eviction} on ${seq}`).toBe(expected);
        expect(out.metrics.bytes).toMatchObject({ store_to_host: expected * 512 * MiB, host_to_gpu: seq.length * 512 * MiB });
      }
    }
  });

  it('never evicts a pinned entry, and shrinks back to capacity when pins go', () => {
    const pool = new MemoryPool('test', 10);
    const c = new AdapterCache('test', 1, evictionPolicies.lru(), pool, 'x:');
    c.ready(c.admit('a', 1));
    c.ready(c.admit('b', 1)); // 'a' is pinned: the cache goes over capacity rather than evict it
    expect(c.holds('a') && c.holds('b')).toBe(true);
    c.unpin('a');
    expect(c.holds('a')).toBe(false); // idle and over capacity: evicted at once
    expect(c.holds('b')).toBe(true);
    c.unpin('b');
    expect(c.holds('b')).toBe(true); // within capacity: kept
    expect(pool.used).toBe(1);
  });

  it('lfu counts survive eviction', () => {
    const p = evictionPolicies.lfu();
    for (const k of ['a', 'a', 'a']) p.touch(k);
    p.remove('a');
    p.insert('b');
    p.insert('a'); // count 4 now
    expect(p.victim(() => true)).toBe('b');
    p.touch('b');
    p.touch('b');
    p.touch('b'); // b: 4, a: 4 -> least recently used of the two goes
    expect(p.victim(() => true)).toBe('a');
    expect(p.victim((k) => k !== 'a')).toBe('b');
  });
});
