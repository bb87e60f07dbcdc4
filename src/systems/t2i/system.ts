/**
 * simulate() for t2i, in order:
 *   1. parse model/workload/policy; price the model on the hardware (costs.ts)
 *   2. pick the policies by name; split the GPUs into workers (+ dedicated ControlNet GPUs)
 *   3. check memory before the run (ConfigError naming what does not fit)
 *   4. build links, memory pools, caches, workers
 *   5. stream the workload (trace file or generator) into the engine, one arrival at a time
 *   6. drain, then collect metrics, utilisation, CDF and the conservation count
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Env } from '../../engine/env.js';
import { Link } from '../../engine/link.js';
import { fmtBytes, MemoryPool } from '../../engine/memory.js';
import { ConfigError, InputError, MemoryError } from '../../errors.js';
import { TraceLanes } from '../../metrics/lanes.js';
import { fanOut, UtilisationRecorder } from '../../metrics/recorders.js';
import { roundSig } from '../../metrics/summary.js';
import { checkWarmupCount } from '../../metrics/warmup.js';
import { generateT2i, t2iGenSchema } from '../../workloads/t2i/generator.js';
import { readT2i } from '../../workloads/t2i/reader.js';
import { MAX_CONTROLNETS, MAX_LORAS, type T2iRow } from '../../workloads/t2i/row.js';
import { t2iToCsv } from '../../workloads/t2i/writer.js';
import type { SimulationInput, SimulationOutput } from '../types.js';
import { AdapterCache } from './cache.js';
import { T2iCosts } from './costs.js';
import { T2iMetrics } from './metrics.js';
import { assignments } from './policies/assignment/index.js';
import { loraApplications } from './policies/application/index.js';
import { controlnetPlacements } from './policies/controlnet/index.js';
import { evictionPolicies } from './policies/placement/index.js';
import { t2iModelSchema, t2iPolicySchema, t2iWorkloadSchema, type T2iModelConfig, type T2iPolicyConfig, type T2iWorkloadConfig } from './schemas.js';
import { T2iServer, type Job } from './serve.js';
import { T2I_PRESETS } from './presets.js';
import { Tiers } from './tiers.js';
import { Worker, type ControlNetGpu } from './worker.js';

const GiB = 2 ** 30;
/** Yield to the event loop this often while feeding rows, so an abort signal can land. */
const YIELD_EVERY = 4096;

/** Steps 1-3: parse, price, split the GPUs and check memory; ConfigError if it cannot run. */
function prepare(input: SimulationInput<unknown, unknown, unknown>) {
  // 1.
  const model: T2iModelConfig = t2iModelSchema.parse(input.model ?? {});
  const workload: T2iWorkloadConfig = t2iWorkloadSchema.parse(input.workload ?? {});
  const policy: T2iPolicyConfig = t2iPolicySchema.parse(input.policy ?? {});
  const hw = input.hardware;
  const costs = new T2iCosts(model, hw);
  const gen = workload.trace === undefined ? t2iGenSchema.parse(workload.generator ?? {}) : undefined;

  // 2.
  const app = loraApplications[policy.application](policy);
  const placement = controlnetPlacements[policy.controlnet](policy);
  const assign = assignments[policy.assignment](policy);
  // Latent parallelism doubles every GPU of a worker: the second CFG branch's serving and
  // ControlNet GPUs mirror the first's (same work, own PCIe links), so only the first are simulated.
  const branches = policy.cfg_parallel ? 2 : 1;
  const perWorker = branches * (1 + placement.gpusPerWorker);
  const nWorkers = Math.floor(hw.gpus / perWorker);
  if (nWorkers < 1) {
    const why = `${branches > 1 ? '2 CFG branches x ' : ''}(1 + controlnet_gpus ${placement.gpusPerWorker})`;
    throw new ConfigError(`policy.controlnet '${policy.controlnet}' needs ${perWorker} GPUs per worker (${why}) but hardware.gpus is ${hw.gpus}`, {
      field: branches > 1 ? 'policy.cfg_parallel' : 'policy.controlnet_gpus',
    });
  }

  // 3.
  checkMemory(costs, policy, hw.gpu.memoryBytes, hw.host.memoryBytes, nWorkers, placement.gpusPerWorker, gen ? gen.controlnets.count : 0);
  return { model, workload, policy, hw, costs, gen, app, placement, assign, perWorker, nWorkers };
}

/** SystemModule.check: the pre-flight of simulateT2i(). */
export function checkT2i(input: SimulationInput<unknown, unknown, unknown>): void {
  const { gen } = prepare(input);
  if (gen) checkWarmupCount(input.warmup ?? {}, 'request', gen.requests);
}

export async function simulateT2i(input: SimulationInput<unknown, unknown, unknown>): Promise<SimulationOutput> {
  // 1-3.
  const { workload, policy, hw, costs, gen, app, placement, assign, perWorker, nWorkers } = prepare(input);

  // 4.
  const env = new Env();
  const util = new UtilisationRecorder();
  const sink = fanOut([util, input.trace]);
  const storeSpec = policy.lora_store === 'disk' ? hw.disk : hw.remote;
  const store = new Link(env, policy.lora_store, { bandwidth: storeSpec.bandwidth, latency: storeSpec.latency, trace: sink });
  // Host CPU work (adapter parsing, PEFT setup) shows in timelines only, not in utilisation.
  const hostCpu = new TraceLanes(input.trace, 'host cpu');
  const tiers = new Tiers(env, store, policy.parse_gb_per_s * 1e9, hostCpu);
  const now = () => env.now;
  const hostPool = new MemoryPool('host', hw.host.memoryBytes, { trace: input.trace, now });
  const loraHost = new AdapterCache('host/lora', policy.host_cache_gib * GiB, evictionPolicies[policy.host_eviction](), hostPool, 'lora:');
  // ControlNets are few: once read they stay in host memory.
  const controlnetHost = new AdapterCache('host/controlnet', Infinity, evictionPolicies.lru(), hostPool, 'controlnet:');
  const pcies: Link[] = [];
  const gpu = (g: number) => {
    const pool = new MemoryPool(`gpu${g} hbm`, hw.gpu.memoryBytes, { trace: input.trace, now });
    const pcie = new Link(env, `pcie${g}`, { bandwidth: hw.pcie.bandwidth, latency: hw.pcie.latency, trace: sink });
    pcies.push(pcie);
    const cnCache = new AdapterCache(`gpu${g}/controlnet`, policy.controlnet_cache_gib * GiB, evictionPolicies[policy.controlnet_eviction](), pool, 'controlnet:');
    return { pool, pcie, cnCache };
  };
  const workers: Worker<Job>[] = [];
  const cnGpus: ControlNetGpu[] = [];
  for (let i = 0; i < nWorkers; i++) {
    const g = i * perWorker;
    const own = gpu(g);
    own.pool.alloc('base', costs.baseBytes);
    own.pool.alloc('workspace', costs.reservedWorkspace);
    const loraCache = new AdapterCache(`gpu${g}/lora`, policy.gpu_cache_gib * GiB, evictionPolicies[policy.gpu_eviction](), own.pool, 'lora:');
    const mine: ControlNetGpu[] = [];
    if (placement.gpusPerWorker === 0) mine.push({ track: `gpu${g}`, pool: own.pool, cache: own.cnCache, pcie: own.pcie, busy: 0 });
    for (let j = 1; j <= placement.gpusPerWorker; j++) {
      const c = gpu(g + j);
      c.pool.alloc('controlnet-workspace', costs.controlnetWorkspace);
      const cg = { track: `gpu${g + j}`, pool: c.pool, cache: c.cnCache, pcie: c.pcie, busy: 0 };
      mine.push(cg);
      cnGpus.push(cg);
    }
    workers.push(new Worker<Job>(i, `gpu${g}`, own.pool, own.pcie, loraCache, mine));
  }
  const metrics = new T2iMetrics(input.warmup ?? {});
  const server = new T2iServer({ env, hw, costs, policy, app, placement, assign, workers, tiers, loraHost, controlnetHost, metrics, sink, hostCpu, tracing: input.trace !== undefined, requests: input.requests });

  // 5.
  const progress = progressReporter(input.onProgress);
  const feed = (row: T2iRow) => {
    env.run(row.arrival_s);
    server.arrive(row);
  };
  try {
    let i = 0;
    if (workload.trace !== undefined) {
      const file = resolve(input.baseDir ?? '.', workload.trace);
      const size = fileSize(file);
      let bytes = 0;
      for await (const row of readT2i(file, { models: Object.keys(T2I_PRESETS) })) {
        if (++i % YIELD_EVERY === 0) await yieldAndCheck(input.signal);
        feed(row);
        if (progress) {
          bytes += t2iToCsv(row).length + 1;
          progress(bytes / size);
        }
      }
    } else {
      const total = gen!.requests;
      for (const row of generateT2i(gen!, input.seed)) {
        if (++i % YIELD_EVERY === 0) await yieldAndCheck(input.signal);
        feed(row);
        progress?.(i / total);
      }
    }
    checkAbort(input.signal);
    // 6.
    env.run();
  } catch (e) {
    // Only the host pool can legitimately fill mid-run (ControlNets seen in a trace); a full GPU pool is a bug.
    if (e instanceof MemoryError && e.message.startsWith('memory host:')) {
      throw new ConfigError(`${e.message}: lower policy.host_cache_gib or use a host preset with more memory`, { field: ['policy.host_cache_gib', 'hardware.host'] });
    }
    throw e;
  }
  input.onProgress?.(1);

  const T = env.now;
  const busy = (xs: number[]) => roundSig(T > 0 && xs.length ? xs.reduce((a, b) => a + b, 0) / (xs.length * T) : 0);
  const serving = workers.map((w) => w.busy);
  const dedicated = cnGpus.map((g) => g.busy);
  metrics.requests.requireMeasured();
  const metricsOut = metrics.result({
    sloMs: input.sloMs,
    gpus: hw.gpus,
    workers: nWorkers,
    bytes: {
      store_to_host: store.bytesMoved,
      host_to_gpu: pcies.reduce((a, l) => a + l.bytesMoved, 0),
      interconnect: server.interconnectBytes,
    },
    busy: {
      serving: busy(serving),
      controlnet: busy(dedicated),
      // Every GPU of the machine, including any left idle by the split into workers.
      all: roundSig(T > 0 ? [...serving, ...dedicated].reduce((a, b) => a + b, 0) / (hw.gpus * T) : 0),
    },
    rejectedByReason: server.rejectedByReason,
  });
  return {
    metrics: metricsOut,
    latencyCdf: metrics.requests.latency.cdf(100),
    utilisation: util.rows(),
    // In flight counted where requests are, not derived: a request lost by a bug breaks the sum.
    conservation: metrics.requests.conservation(workers.reduce((a, w) => a + w.outstanding, 0)),
    simulatedSeconds: T,
    events: env.eventsProcessed,
  };
}

/** Fail before the run if a worker's fixed needs plus its caches cannot fit. */
function checkMemory(costs: T2iCosts, p: T2iPolicyConfig, gpuBytes: number, hostBytes: number, workers: number, cnGpus: number, controlnets: number): void {
  const lora = costs.loraBytes;
  const cn = costs.controlnetBytes;
  // A cache holds at most max(capacity, pinned): pinned = what one request uses at once.
  const loraCache = Math.max(p.gpu_cache_gib * GiB, MAX_LORAS * lora);
  const perCnGpu = cnGpus === 0 ? MAX_CONTROLNETS : Math.ceil(MAX_CONTROLNETS / cnGpus);
  const cnCache = Math.max(p.controlnet_cache_gib * GiB, perCnGpu * cn);
  const serving: Array<[string, number]> = [
    ['base weights', costs.baseBytes],
    ['workspace', costs.reservedWorkspace],
    ['LoRA cache', loraCache],
  ];
  if (cnGpus === 0) serving.push(['ControlNet cache', cnCache]);
  fits('serving GPU', serving, gpuBytes);
  if (cnGpus > 0) fits('ControlNet GPU', [['workspace', costs.controlnetWorkspace], ['ControlNet cache', cnCache]], gpuBytes);
  fits(
    'host',
    [
      ['LoRA cache', p.host_cache_gib * GiB],
      ['LoRAs in flight', workers * MAX_LORAS * lora],
      ['ControlNets', controlnets * cn],
    ],
    hostBytes,
  );
}

/** Parts a user sets in the policy, by the field that sets them; the rest is the hardware's size. */
const PART_FIELDS: Record<string, string> = {
  'LoRA cache': 'policy.gpu_cache_gib',
  'ControlNet cache': 'policy.controlnet_cache_gib',
};

function fits(what: string, parts: Array<[string, number]>, capacity: number): void {
  const total = parts.reduce((a, [, b]) => a + b, 0);
  if (total > capacity) {
    // The field to change: the largest part a policy sets, unless fixed needs alone overflow.
    const fixed = parts.filter(([n]) => what === 'host' ? n !== 'LoRA cache' : !(n in PART_FIELDS)).reduce((a, [, b]) => a + b, 0);
    let field: string[] = what === 'host' ? ['hardware.host'] : ['hardware.memory_gib', 'model.base_gib', 'model.max_pixels', 'model.workspace_gib', 'hardware.gpu', 'model.preset'];
    if (fixed <= capacity) {
      if (what === 'host') field = ['policy.host_cache_gib'];
      else {
        const largest = parts.filter(([n]) => n in PART_FIELDS).sort((a, b) => b[1] - a[1])[0];
        if (largest) field = [PART_FIELDS[largest[0]]!];
      }
    }
    throw new ConfigError(
      `${what} memory ${fmtBytes(capacity)} cannot hold ${parts.map(([n, b]) => `${n} ${fmtBytes(b)}`).join(' + ')} = ${fmtBytes(total)}`,
      { field },
    );
  }
}

function fileSize(file: string): number {
  try {
    return Math.max(1, statSync(file).size);
  } catch (e) {
    throw new InputError(`cannot read trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}

/** Calls onProgress at most ~100 times with a non-decreasing fraction below 1. */
function progressReporter(cb?: (f: number) => void): ((f: number) => void) | undefined {
  if (!cb) return undefined;
  let last = 0;
  return (f) => {
    const pct = Math.min(99, Math.floor(f * 100));
    if (pct <= last) return;
    last = pct;
    cb(pct / 100);
  };
}

function abortError(signal: AbortSignal): Error {
  const r = signal.reason;
  return r instanceof Error && r.name === 'AbortError' ? r : new DOMException('simulation aborted', 'AbortError');
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

async function yieldAndCheck(signal?: AbortSignal): Promise<void> {
  if (!signal) return;
  await new Promise<void>((r) => setImmediate(r));
  checkAbort(signal);
}
