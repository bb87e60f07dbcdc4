/**
 * Stalls: moments when the device, or the host thread feeding it, makes no progress for
 * milliseconds at a time. On a software adapter that is the OS giving the cores it computes on to
 * someone else; on a GPU, clock changes or the driver. The op fits are medians of repetitions and
 * leave stalls out; the fidelity simulator adds them back: each sync stalls with the probe's
 * stalls per burst as its probability (sim-driver.ts), each stall's length drawn from the ones
 * measured here.
 *
 * Measurement: a burst of BURST small ops (an expert FFN of the MoE workload's size), each its own
 * command buffer, closed by a readback - the shape of one decode token - repeated for `seconds`.
 * A burst that takes longer than the median burst by more than `max(0.5 ms, median / 4)` holds
 * one stall of that excess. The rate is stalls per second of probe time. (Ops awaited one at a
 * time stall far more often, and long back-to-back streams hardly at all: the probe copies how
 * the workloads drive the device.)
 */
import type { Gpu } from '../gpu/device.js';
import { readBytes, storageBuffer, upload } from '../gpu/buffers.js';
import type { KDtype } from '../kernels/dtype.js';
import { expertFfn } from '../kernels/ffn.js';
import { submit } from '../kernels/pipeline.js';
import { randomValues } from '../kernels/reference.js';
import { median } from '../harness/stats.js';

export interface StallFit {
  /** Stalls per second of device time. */
  rate_per_s: number;
  /** Every stall's length seen (seconds, ascending); the simulator draws from these. */
  durations_s: number[];
  /** The probe op's median time, and the excess over it that counted as a stall. */
  probe_median_s: number;
  threshold_s: number;
  /** Probe runs and the seconds they covered. */
  probes: number;
  seconds: number;
}

/** Ops per probe burst: about what the MoE fidelity workload issues per token. */
const BURST = 10;

/** Keeps the fit readable in the profile: the lengths beyond this many are thinned evenly. */
const MAX_DURATIONS = 256;

/** Stalls among probe times (seconds): the threshold rule above, applied to one series. */
export function stallsOf(times: readonly number[]): StallFit {
  if (times.length < 10) throw new Error(`stall probe: ${times.length} runs are too few to estimate a rate`);
  const med = median([...times]);
  const threshold = Math.max(0.5e-3, med / 4);
  const excess = times.map((t) => t - med).filter((e) => e > threshold);
  excess.sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  const kept = excess.length <= MAX_DURATIONS ? excess : Array.from({ length: MAX_DURATIONS }, (_, i) => excess[Math.floor(((i + 0.5) * excess.length) / MAX_DURATIONS)]!);
  return { rate_per_s: excess.length / total, durations_s: kept, probe_median_s: med, threshold_s: threshold, probes: times.length, seconds: total };
}

/**
 * Several probes' fits as one: stalls and bursts summed, the lengths pooled (thinned evenly to
 * MAX_DURATIONS). `validate` probes between device runs and pools them, so the stalls the
 * simulator uses are the host's over the runs, not at one moment.
 */
export function poolStalls(fits: readonly StallFit[]): StallFit {
  if (fits.length === 0) throw new Error('poolStalls: no fits');
  const seconds = fits.reduce((a, f) => a + f.seconds, 0);
  const count = fits.reduce((a, f) => a + f.rate_per_s * f.seconds, 0);
  const all = fits.flatMap((f) => f.durations_s).sort((a, b) => a - b);
  const kept = all.length <= MAX_DURATIONS ? all : Array.from({ length: MAX_DURATIONS }, (_, i) => all[Math.floor(((i + 0.5) * all.length) / MAX_DURATIONS)]!);
  return {
    rate_per_s: count / seconds,
    durations_s: kept,
    probe_median_s: median(fits.map((f) => f.probe_median_s)),
    threshold_s: Math.max(...fits.map((f) => f.threshold_s)),
    probes: fits.reduce((a, f) => a + f.probes, 0),
    seconds,
  };
}

/** Stalls per probe burst: the probability that one sync of a token-shaped burst stalls. */
export function stallsPerSync(f: { rate_per_s: number; seconds?: number; probes?: number }): number | undefined {
  return f.probes && f.seconds ? (f.rate_per_s * f.seconds) / f.probes : undefined;
}

export async function measureStalls(gpu: Gpu, dtype: KDtype, seconds: number): Promise<StallFit> {
  const d = gpu.device;
  const shape = { tokens: 1, hidden: 256, ffn: 512 };
  const bufs = {
    weights: upload(d, randomValues(3 * shape.hidden * shape.ffn, 5, 1 / 16), dtype),
    x: upload(d, randomValues(shape.hidden, 6), dtype),
    h: storageBuffer(d, shape.ffn * 4),
    y: storageBuffer(d, shape.hidden * 4),
  };
  const invs = expertFfn(d, dtype, shape, bufs);
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    for (let b = 0; b < BURST; b++) submit(d, invs);
    await readBytes(d, bufs.y, 256);
    return (performance.now() - t0) / 1e3;
  };
  try {
    for (let i = 0; i < 5; i++) await once();
    const times: number[] = [];
    const end = performance.now() + seconds * 1e3;
    while (performance.now() < end) times.push(await once());
    return stallsOf(times);
  } finally {
    Object.values(bufs).forEach((b) => b.destroy());
  }
}
