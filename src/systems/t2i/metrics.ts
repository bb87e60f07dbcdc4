/**
 * What a t2i run reports, on top of the shared request metrics: latency by adapter mix, LoRA load
 * and patch time per request, cache hit rates per tier, bytes per tier, GPU busy fractions, and the
 * quality proxies (steps run without the LoRA, steps run on stale ControlNet residuals).
 * Per-request figures count only requests past the warm-up; bytes and busy time cover the run.
 */
import { RequestMetrics, summarise } from '../../metrics/requests.js';
import { roundSig, Samples } from '../../metrics/summary.js';
import type { Metrics, WarmupConfig } from '../../metrics/types.js';
import type { Source } from './tiers.js';

/** What one finished request contributes. */
export interface RequestRecord {
  arrival: number;
  start: number;
  end: number;
  mix: string;
  loras: number;
  controlnets: number;
  steps: number;
  /** Start of the request to all its LoRAs on the GPU (incl. PEFT setup), s. */
  loraLoad: number;
  /** Patch + unpatch time charged to the request, s. */
  loraPatch: number;
  /** Time LoRA work held up denoising (before it, or stalled at the gate), s. */
  loraWait: number;
  stepsWithoutLora: number;
  staleSteps: number;
}

export class T2iMetrics {
  readonly requests: RequestMetrics;
  private readonly byMix = new Map<string, Samples>();
  private readonly loraLoad = new Samples();
  private readonly loraPatch = new Samples();
  private readonly loraWait = new Samples();
  private loraRequests = 0;
  private loraSteps = 0;
  private stepsWithoutLora = 0;
  private cnRequests = 0;
  private cnSteps = 0;
  private staleSteps = 0;
  /** LoRA uses by where they were found; 'patched' = already merged on the worker. */
  readonly loraSources: Record<Source | 'patched', number> = { patched: 0, gpu: 0, host: 0, store: 0 };
  readonly controlnetSources: Record<Source, number> = { gpu: 0, host: 0, store: 0 };

  constructor(warmup: WarmupConfig) {
    this.requests = new RequestMetrics(warmup);
  }

  /** Returns whether the request counts (is past the warm-up). */
  complete(r: RequestRecord): boolean {
    if (!this.requests.onComplete(r.arrival, r.start, r.end)) return false;
    let s = this.byMix.get(r.mix);
    if (!s) this.byMix.set(r.mix, (s = new Samples()));
    s.add((r.end - r.arrival) * 1000);
    if (r.loras > 0) {
      this.loraRequests++;
      this.loraLoad.add(r.loraLoad * 1000);
      this.loraPatch.add(r.loraPatch * 1000);
      this.loraWait.add(r.loraWait * 1000);
      this.loraSteps += r.steps;
      this.stepsWithoutLora += r.stepsWithoutLora;
    }
    if (r.controlnets > 0) {
      this.cnRequests++;
      this.cnSteps += r.steps;
      this.staleSteps += r.staleSteps;
    }
    return true;
  }

  result(o: {
    sloMs?: number;
    gpus: number;
    workers: number;
    bytes: Record<string, number>;
    busy: Record<string, number>;
    rejectedByReason: Record<string, number>;
  }): Metrics {
    const base = this.requests.metrics(o.sloMs);
    const byMix: Metrics = {};
    const countByMix: Metrics = {};
    for (const k of [...this.byMix.keys()].sort()) {
      const q = summarise(this.byMix.get(k)!) as Record<string, number>;
      byMix[k] = { mean: q.mean!, p50: q.p50!, p95: q.p95!, p99: q.p99! };
      countByMix[k] = this.byMix.get(k)!.count;
    }
    const l = this.loraSources;
    const loraUses = l.patched + l.gpu + l.host + l.store;
    const c = this.controlnetSources;
    const cnUses = c.gpu + c.host + c.store;
    const frac = (a: number, b: number) => roundSig(b > 0 ? a / b : 0);
    const mean = (s: Samples) => (s.count ? summarise(s) : { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 });
    return {
      ...base,
      latency_by_mix_ms: byMix,
      requests_by_mix: countByMix,
      throughput_per_gpu_per_s: roundSig((base.throughput_per_s as number) / o.gpus),
      workers: o.workers,
      gpus: o.gpus,
      lora_load_ms: mean(this.loraLoad),
      lora_patch_ms: mean(this.loraPatch),
      lora_wait_ms: mean(this.loraWait),
      lora_cache: {
        uses: loraUses,
        gpu_hit_rate: frac(l.patched + l.gpu, loraUses),
        patched_reuse_rate: frac(l.patched, loraUses),
        host_hit_rate: frac(l.host, l.host + l.store),
        store_reads: l.store,
      },
      controlnet_cache: {
        uses: cnUses,
        gpu_hit_rate: frac(c.gpu, cnUses),
        store_reads: c.store,
      },
      bytes: o.bytes,
      gpu_busy: o.busy,
      steps_without_lora: {
        mean: frac(this.stepsWithoutLora, this.loraRequests),
        fraction: frac(this.stepsWithoutLora, this.loraSteps),
      },
      stale_controlnet_steps: {
        mean: frac(this.staleSteps, this.cnRequests),
        fraction: frac(this.staleSteps, this.cnSteps),
      },
      rejected_by_reason: o.rejectedByReason,
    };
  }
}
