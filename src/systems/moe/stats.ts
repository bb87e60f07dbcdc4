/**
 * Counters and samples of one run, and their conversion to results.json metrics. Only what happens
 * after the warm-up counts (the simulator flips `measuring` at a step boundary).
 */
import { roundSig, Samples } from '../../metrics/summary.js';
import type { Metrics } from '../../metrics/types.js';

export const EXACT = 0;
export const SUBSTITUTED = 1;
export const ON_CPU = 2;
export const DROPPED = 3;

/** Causes of GPU idle time: waiting for a prefetch already in flight, for a missing expert's fetch, for the CPU. */
export const STALL_IN_FLIGHT = 0;
export const STALL_MISSING = 1;
export const STALL_CPU = 2;
/** The compute stream busy with a copy (copy_stream: compute, or the part a device cannot overlap). */
export const STALL_COPY = 3;

export class MoeStats {
  measuring = false;
  start = 0;
  /** Time the last measured token finished, and resource totals sampled then. */
  end = 0;
  readonly tpot = new Samples();
  readonly stall = new Samples();
  /** Stall seconds summed over measured tokens, by cause (STALL_*). */
  readonly stallBy = new Float64Array(4);
  readonly ttft = new Samples();
  tokens = 0;
  prefillSteps = 0;
  accesses = 0;
  hits = 0;
  late = 0;
  /** Needed experts found loading at the gate (waited for or handed to the fallback). */
  inFlight = 0;
  misses = 0;
  fetches = 0;
  cpuExperts = 0;
  substitutions = 0;
  lowbit = 0;
  drops = 0;
  prefetchIssued = 0;
  /** Needed experts a prefetch brought in, whenever it was issued (recall). */
  prefetchCovered = 0;
  /** The same, for prefetches issued while measuring (precision). */
  prefetchUsed = 0;
  prefetchWasted = 0;
  prefetchDeclined = 0;
  prefetchStale = 0;
  evictions = 0;
  /** Gate mass by how it was served: exact, substituted (buddy or low-bit), cpu, dropped. */
  readonly mass = new Float64Array(4);
  lowbitMass = 0;
  // resource totals at start and at the last measured token
  gpuBusy0 = 0;
  gpuBusy = 0;
  cpuBusy0 = 0;
  cpuBusy = 0;
  pcieBusy0 = 0;
  pcieBusy = 0;
  pcieBytes0 = 0;
  pcieBytes = 0;

  metrics(capacity: number): Metrics {
    const span = this.end - this.start;
    const q = this.tpot.summary();
    const massTotal = this.mass[0]! + this.mass[1]! + this.mass[2]! + this.mass[3]!;
    const frac = (x: number) => roundSig(massTotal > 0 ? x / massTotal : 0);
    const ratio = (a: number, b: number) => roundSig(b > 0 ? a / b : 0);
    const out: Metrics = {
      tokens_per_s: roundSig(span > 0 ? this.tokens / span : 0),
      tpot_ms: { mean: roundSig(q.mean), p50: roundSig(q.p50), p99: roundSig(q.p99) },
      stall_ms: roundSig(this.stall.mean()),
      stall_by_cause_ms: {
        in_flight: roundSig(this.tokens ? (this.stallBy[STALL_IN_FLIGHT]! * 1000) / this.tokens : 0),
        missing: roundSig(this.tokens ? (this.stallBy[STALL_MISSING]! * 1000) / this.tokens : 0),
        cpu: roundSig(this.tokens ? (this.stallBy[STALL_CPU]! * 1000) / this.tokens : 0),
        copy_on_gpu: roundSig(this.tokens ? (this.stallBy[STALL_COPY]! * 1000) / this.tokens : 0),
      },
      hit_rate: ratio(this.hits, this.accesses),
      covered_rate: ratio(this.hits + this.inFlight, this.accesses),
      prefetch_precision: ratio(this.prefetchUsed, this.prefetchIssued),
      prefetch_recall: ratio(this.prefetchCovered, this.prefetchCovered + this.misses),
      pcie_bytes: Math.round(this.pcieBytes - this.pcieBytes0),
      pcie_busy: ratio(this.pcieBusy - this.pcieBusy0, span),
      gpu_busy: ratio(this.gpuBusy - this.gpuBusy0, span),
      gate_mass: { exact: frac(this.mass[EXACT]!), substituted: frac(this.mass[SUBSTITUTED]!), cpu: frac(this.mass[ON_CPU]!), dropped: frac(this.mass[DROPPED]!) },
      // Beyond the list: context a reader of the table needs.
      cpu_busy: ratio(this.cpuBusy - this.cpuBusy0, span),
      late_prefetch_rate: ratio(this.late, this.accesses),
      decode_tokens: this.tokens,
      cache_experts: capacity,
      pcie_bytes_per_token: Math.round(this.tokens ? (this.pcieBytes - this.pcieBytes0) / this.tokens : 0),
    };
    if (this.ttft.count) {
      const t = this.ttft.summary();
      out.ttft_ms = { mean: roundSig(t.mean), p50: roundSig(t.p50), p99: roundSig(t.p99) };
    }
    return out;
  }
}
