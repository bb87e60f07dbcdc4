/**
 * Request-level metrics shared by the request-serving systems (edit, t2i): latency, queueing time,
 * throughput, SLO attainment, with warm-up discarded and the conservation count (arrived =
 * completed + rejected + in flight) kept for the runner's invariant check.
 */
import type { Conservation, Metrics, WarmupConfig } from './types.js';
import { roundSig, Samples } from './summary.js';
import { refuseUnmeasured } from './warmup.js';

export class RequestMetrics {
  readonly latency = new Samples();
  readonly queue = new Samples();
  arrived = 0;
  completed = 0;
  rejected = 0;
  private counted = 0;
  private firstCountedArrival = Infinity;
  private lastCompletion = 0;
  readonly rejectReasons: Record<string, number> = {};

  constructor(private readonly warmup: WarmupConfig = {}) {}

  onArrive(): void {
    this.arrived++;
  }

  onReject(reason: string): void {
    this.rejected++;
    this.rejectReasons[reason] = (this.rejectReasons[reason] ?? 0) + 1;
  }

  /**
   * A request finished. Returns whether it counts (is past the warm-up), so a system can gate its
   * own per-request samples on the same rule.
   */
  onComplete(arrival: number, start: number, end: number): boolean {
    this.completed++;
    if (this.completed <= (this.warmup.requests ?? 0) || arrival < (this.warmup.seconds ?? 0)) return false;
    this.counted++;
    this.latency.add((end - arrival) * 1000);
    this.queue.add((start - arrival) * 1000);
    if (arrival < this.firstCountedArrival) this.firstCountedArrival = arrival;
    if (end > this.lastCompletion) this.lastCompletion = end;
    return true;
  }

  /** A ConfigError when the warm-up discarded every completed request: the metrics would be empty. */
  requireMeasured(): void {
    if (this.counted === 0 && this.completed > 0) refuseUnmeasured(this.warmup, 'request', this.completed);
  }

  /**
   * The counts for the runner's check. `inFlight` should be counted by the system itself (requests
   * still queued or running at the end): derived from the others, the check could never fail.
   */
  conservation(inFlight = this.arrived - this.completed - this.rejected): Conservation {
    return { arrived: this.arrived, completed: this.completed, rejected: this.rejected, inFlight };
  }

  /** latency_ms, queue_ms, throughput_per_s, slo_attainment, counts. */
  metrics(sloMs?: number): Metrics {
    const span = this.lastCompletion - (Number.isFinite(this.firstCountedArrival) ? this.firstCountedArrival : 0);
    const out: Metrics = {
      latency_ms: summarise(this.latency),
      queue_ms: summarise(this.queue),
      throughput_per_s: roundSig(span > 0 ? this.counted / span : 0),
      requests: { arrived: this.arrived, completed: this.completed, rejected: this.rejected, measured: this.counted },
    };
    if (sloMs !== undefined) out.slo_attainment = roundSig(this.latency.count ? this.latency.fractionAtMost(sloMs) : 0);
    return out;
  }
}

export function summarise(s: Samples): Metrics {
  const q = s.summary();
  return { mean: roundSig(q.mean), p50: roundSig(q.p50), p90: roundSig(q.p90), p95: roundSig(q.p95), p99: roundSig(q.p99), max: roundSig(q.max) };
}
