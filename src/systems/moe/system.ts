/**
 * The moe system: decode of an MoE model whose experts live in host memory, with a GPU expert
 * cache, prefetching over PCIe and a fallback on misses. simulate() runs in numbered steps:
 *
 *   1. resolve the model and price its ops on the hardware;
 *   2. lay out GPU memory: resident weights, KV cache, workspace, then the expert cache (a
 *      configuration that cannot fit is a ConfigError before anything runs);
 *   3. open the workload (trace file, streamed; or the generator) and build the policies;
 *   4. run the engine, refilling the trace window and yielding to the event loop as needed;
 *   5. collect metrics, the TPOT CDF, utilisation and the request count.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RngStreams } from '../../engine/rng.js';
import { fmtBytes } from '../../engine/memory.js';
import { ConfigError } from '../../errors.js';
import { checkWarmupCount, refuseUnmeasured } from '../../metrics/warmup.js';
import { generatedMoeRows } from '../../workloads/moe/generator.js';
import { moeTraceRows } from '../../workloads/moe/reader.js';
import type { MoeRow } from '../../workloads/moe/types.js';
import type { SimulationInput, SimulationOutput, SystemModule } from '../types.js';
import { BuddyTable } from './buddies.js';
import { MoeCosts } from './costs.js';
import { Feeder } from './feeder.js';
import { resolveMoeModel, type ResolvedMoeModel } from './model.js';
import { MOE_MODELS } from './presets.js';
import { moeModelSchema, moePolicySchema, moeWorkloadGeneratorSchema, moeWorkloadSchema, type MoeModelConfig, type MoePolicyConfig, type MoeWorkloadConfig } from './schemas.js';
import { MOE_REQUEST_COLUMNS, MoeSim } from './sim.js';
import { moeWork } from './work.js';
import { EVICTION_POLICIES } from './policies/eviction/index.js';
import { MISS_POLICIES } from './policies/miss/index.js';
import { PREFETCH_POLICIES } from './policies/prefetch/index.js';

export type MoeInput = SimulationInput<MoeModelConfig, MoeWorkloadConfig, MoePolicyConfig>;

/** Steps between yields to the event loop when the caller can abort or watches progress. */
const YIELD_STEPS = 2000;

/** Steps 1-2: the model, its costs and the GPU memory layout; ConfigError if it cannot run. */
function prepare(input: MoeInput) {
  if (input.warmup.requests !== undefined) {
    throw new ConfigError('moe counts its warm-up in decode tokens: use warmup.tokens (warmup.requests was renamed)', { field: 'warmup.requests' });
  }
  const model = resolveMoeModel(input.model);
  const policy = input.policy;
  const costs = new MoeCosts(model, input.hardware, policy.lowbit_bits, input.model);
  if (policy.miss === 'lowbit' && costs.lowbitBytes >= model.expertBytes) {
    throw new ConfigError(`policy: lowbit_bits ${policy.lowbit_bits} is not below the ${costs.expertBits()}-bit experts of ${model.name}`, { field: 'policy.lowbit_bits' });
  }
  const { resident, capacity } = layoutMemory(model, input, costs);
  if (policy.cache_scope === 'per-layer' && capacity < model.layers) {
    throw new ConfigError(
      `a per-layer expert cache needs at least one expert per layer: ${capacity} experts for ${model.layers} layers (use cache_scope: shared, or more memory)`,
      { field: policy.cache_experts !== undefined ? 'policy.cache_experts' : policy.cache_gib !== undefined ? 'policy.cache_gib' : 'policy.cache_scope' },
    );
  }
  return { model, policy, costs, resident, capacity };
}

async function simulate(input: MoeInput): Promise<SimulationOutput> {
  input.signal?.throwIfAborted();
  // 1-2. model, costs and GPU memory layout
  const { model, policy, costs, resident, capacity } = prepare(input);
  // 3. workload and policies
  const { source, tracePredictions, totalTokens, file } = await openWorkload(model, input);
  const streams = new RngStreams(input.seed);
  const feeder = new Feeder(source, model.layers, model.topK, model.layers * model.experts, policy.cache === 'belady', input.workload.max_tokens);
  const buddies = policy.miss === 'buddy' ? await buddyTable(model, input) : null;
  const sim = new MoeSim(
    {
      model,
      hw: input.hardware,
      costs,
      policy,
      feeder,
      prefetcher: PREFETCH_POLICIES[policy.prefetch](policy, model),
      eviction: EVICTION_POLICIES[policy.cache](policy, model, streams.stream('eviction')),
      miss: MISS_POLICIES[policy.miss](policy, model),
      buddies,
      tracePredictions,
      predictorRng: streams.stream('predictor'),
      promptTokens: input.workload.prompt_tokens,
      warmup: input.warmup,
      trace: input.trace,
      requests: input.requests,
    },
    capacity,
    resident,
  );
  // 4. run
  const watch = input.signal !== undefined || input.onProgress !== undefined;
  if (watch) sim.yieldEvery = YIELD_STEPS;
  const progress = progressReporter(input.onProgress, totalTokens, file, feeder);
  try {
    if (!feeder.sync) await feeder.fill(sim.wantRows);
    else feeder.fillSync(sim.wantRows);
    sim.next();
    for (;;) {
      sim.env.run();
      if (sim.needFill) {
        sim.needFill = false;
        await feeder.fill(sim.wantRows);
      } else if (sim.yieldNow) {
        sim.yieldNow = false;
        await new Promise((r) => setImmediate(r));
        input.signal?.throwIfAborted();
        progress(sim.decodeDone, false);
      } else break;
      sim.next();
    }
  } catch (e) {
    await feeder.close();
    throw e;
  }
  progress(sim.decodeDone, true);
  // 5. results
  const st = sim.stats;
  if (!st.measuring || st.tokens === 0) refuseUnmeasured(input.warmup, 'decode token', sim.decodeDone);
  const arrived = sim.arrived();
  return {
    metrics: st.metrics(capacity),
    latencyCdf: st.tpot.cdf(100),
    utilisation: sim.util.rows(),
    conservation: { arrived, completed: sim.completed, rejected: 0, inFlight: arrived - sim.completed },
    simulatedSeconds: sim.env.now,
    events: sim.env.eventsProcessed,
  };
}

/** The buddy table a `buddy` miss policy uses (see buddies.ts for the sources). */
async function buddyTable(model: ResolvedMoeModel, input: MoeInput): Promise<BuddyTable> {
  const p = input.policy;
  const { layers: L, experts: E, topK } = model;
  if (p.buddy_online) return new BuddyTable(L, E, false, undefined, p.buddy_candidates);
  const matrix = p.buddy_matrix !== undefined ? BuddyTable.fromFile(resolve(input.baseDir, p.buddy_matrix), L, E, p.buddy_candidates) : null;
  const prof = p.buddy_profile;
  if (prof === undefined) return matrix!;
  let rows: Iterable<MoeRow> | AsyncIterable<MoeRow>;
  if (typeof prof === 'string') rows = moeTraceRows(resolve(input.baseDir, prof), { layers: L, experts: E, topK });
  else {
    const w = input.workload;
    if (w.trace !== undefined) throw new ConfigError('policy.buddy_profile {tokens} generates a profile from workload.generator; with a trace workload give a profiling trace file', { field: 'policy.buddy_profile' });
    const g = w.generator ?? moeWorkloadGeneratorSchema.parse({});
    rows = generatedMoeRows({ ...g, layers: L, experts: E, top_k: topK, prompt_tokens: w.prompt_tokens, tokens: prof.tokens }, input.seed + prof.seed_offset);
  }
  const coact = await BuddyTable.fromProfile(rows, L, E, topK, p.buddy_candidates);
  return matrix ? coact.weightBy(matrix) : coact;
}

/** Resident allocations in order, and the expert cache's capacity in experts. */
function layoutMemory(model: ResolvedMoeModel, input: MoeInput, costs: MoeCosts): { resident: { name: string; bytes: number }[]; capacity: number } {
  const gpu = input.hardware.gpu;
  const p = input.policy;
  const resident = [
    { name: 'resident weights', bytes: model.residentBytes },
    { name: 'kv cache', bytes: p.batch_size * model.maxContext * model.kvBytesPerLayer * model.layers },
    { name: 'workspace', bytes: model.reserveBytes },
  ];
  if (p.miss === 'lowbit') resident.push({ name: 'low-bit buffers', bytes: Math.min(model.experts, model.topK * p.batch_size) * costs.lowbitBytes });
  const fixed = resident.reduce((a, r) => a + r.bytes, 0);
  const what = `${model.name} on ${gpu.name} (${fmtBytes(gpu.memoryBytes)})`;
  const layout = resident.map((r) => `${r.name} ${fmtBytes(r.bytes)}`).join(' + ');
  const free = gpu.memoryBytes - fixed;
  if (free < model.expertBytes) {
    // Name what the user most likely changes: the batch when its KV cache is the largest part.
    const kv = resident[1]!.bytes;
    const gpuFields = ['hardware.memory_gib', 'model.resident_gib', 'model.reserve_gib', 'hardware.gpu', 'model.preset'];
    const field = p.batch_size > 1 && kv > model.residentBytes ? ['policy.batch_size', 'model.max_context', ...gpuFields] : gpuFields;
    throw new ConfigError(`${what}: ${layout} leave ${fmtBytes(Math.max(0, free))}, not room for one expert of ${fmtBytes(model.expertBytes)}`, { field });
  }
  const all = model.layers * model.experts;
  let capacity: number;
  if (p.cache_experts !== undefined) capacity = p.cache_experts;
  else if (p.cache_gib !== undefined) capacity = Math.floor((p.cache_gib * 2 ** 30) / model.expertBytes);
  else capacity = Math.floor(free / model.expertBytes);
  capacity = Math.min(capacity, all);
  if (capacity < 1) throw new ConfigError(`policy: cache_gib ${p.cache_gib} holds no expert of ${fmtBytes(model.expertBytes)}`, { field: 'policy.cache_gib' });
  if (capacity * model.expertBytes > free) {
    throw new ConfigError(
      `${what}: an expert cache of ${capacity} experts needs ${fmtBytes(capacity * model.expertBytes)} but ${layout} leave ${fmtBytes(free)} (at most ${Math.floor(free / model.expertBytes)} experts)`,
      { field: p.cache_experts !== undefined ? 'policy.cache_experts' : 'policy.cache_gib' },
    );
  }
  return { resident, capacity };
}

async function openWorkload(
  model: ResolvedMoeModel,
  input: MoeInput,
): Promise<{ source: Iterable<MoeRow> | AsyncIterable<MoeRow>; tracePredictions: boolean; totalTokens: number; file?: { path: string; bytes: number } }> {
  const w = input.workload;
  const p = input.policy;
  const wantsColumn = p.prefetch === 'predicted' && p.predictor !== 'synthetic';
  if (w.trace !== undefined) {
    const path = resolve(input.baseDir, w.trace);
    const opts = { layers: model.layers, experts: model.experts, topK: model.topK };
    let tracePredictions = false;
    if (wantsColumn) {
      // Peek at the first rows (prefill rows carry none): does the trace carry predictions?
      const it = moeTraceRows(path, opts);
      for (let i = 0; i < 10_000 && !tracePredictions; i++) {
        const r = it.next();
        if (r.done) break;
        tracePredictions = r.value.predicted !== undefined;
      }
      it.return();
      if (p.predictor === 'trace' && !tracePredictions) {
        throw new ConfigError(`policy: predictor 'trace' needs a 'predicted' column in ${path}; use predictor: synthetic`);
      }
    }
    const bytes = (await stat(path).catch(() => ({ size: 0 }))).size;
    return { source: moeTraceRows(path, opts), tracePredictions, totalTokens: w.max_tokens ?? NaN, file: { path, bytes } };
  }
  const g = w.generator ?? moeWorkloadGeneratorSchema.parse({});
  checkGenerator(model, input);
  const params = { ...g, layers: model.layers, experts: model.experts, top_k: model.topK, prompt_tokens: w.prompt_tokens };
  const tokens = Math.min(g.tokens, w.max_tokens ?? Infinity);
  const tracePredictions = wantsColumn && g.predictor_accuracy !== undefined;
  if (p.prefetch === 'predicted' && p.predictor === 'trace' && !tracePredictions) {
    throw new ConfigError(`policy: predictor 'trace' needs predictions in the workload; set workload.generator.predictor_accuracy or use predictor: synthetic`);
  }
  return { source: generatedMoeRows(params, input.seed), tracePredictions, totalTokens: tokens };
}

/** A generator's own layers/experts/top_k, when given, must be the model's. */
function checkGenerator(model: ResolvedMoeModel, input: MoeInput): void {
  const g = input.workload.generator;
  if (!g) return;
  for (const [field, want] of [
    ['layers', model.layers],
    ['experts', model.experts],
    ['top_k', model.topK],
  ] as const) {
    const got = g[field];
    if (got !== undefined && got !== want) throw new ConfigError(`workload.generator.${field} ${got} does not match the model's ${want}`, { field: `workload.generator.${field}` });
  }
}

/** Calls onProgress with the fraction done, at most about 100 times. */
function progressReporter(cb: ((f: number) => void) | undefined, totalTokens: number, file: { bytes: number } | undefined, feeder: Feeder) {
  let last = 0;
  return (done: number, finished: boolean): void => {
    if (!cb) return;
    let f: number;
    if (finished) f = 1;
    else if (Number.isFinite(totalTokens)) f = done / totalTokens;
    else if (file && file.bytes > 0 && feeder.decodeRead > 0) {
      // Share of the file read, scaled back by the tokens read but not yet run.
      f = (feeder.bytesRead / file.bytes) * (done / feeder.decodeRead);
    } else f = 0;
    f = finished ? 1 : Math.min(0.99, f);
    if (f >= last + 0.01 || (finished && last < 1)) {
      last = f;
      cb(f);
    }
  };
}

export const moeSystem: SystemModule<MoeModelConfig, MoeWorkloadConfig, MoePolicyConfig> = {
  name: 'moe',
  description: 'MoE decode with experts offloaded to host memory: GPU expert cache, PCIe prefetch, miss fallbacks (fetch, drop, CPU, buddy, low-bit)',
  modelSchema: moeModelSchema,
  workloadSchema: moeWorkloadSchema,
  policySchema: moePolicySchema,
  requestColumns: MOE_REQUEST_COLUMNS,
  simulate,
  check: (input) => {
    checkGenerator(prepare(input).model, input);
    const w = input.workload;
    if (w.trace === undefined) checkWarmupCount(input.warmup, 'decode token', Math.min((w.generator ?? moeWorkloadGeneratorSchema.parse({})).tokens, w.max_tokens ?? Infinity));
  },
  work: moeWork,
  presets: () =>
    Object.entries(MOE_MODELS).map(([name, m]) => ({
      name,
      summary: `${m.layers} MoE layers, ${m.experts} experts top-${m.topK}, ${(m.expertBytes / 1e6).toFixed(1)} MB/expert, ${(m.residentBytes / 2 ** 30).toFixed(2)} GiB resident`,
      source: m.source,
    })),
};
