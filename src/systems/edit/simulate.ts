/**
 * simulate() for the edit system, in numbered steps:
 *  1. resolve the model and policy; EditSim checks that they fit (ConfigError before any event);
 *  2. open the workload: a streamed trace file or a lazy generator (never materialised);
 *  3. build the simulation (EditSim) on a fresh Env;
 *  4. feed arrivals in chunks, running the engine up to each chunk's last arrival, yielding to the
 *     event loop between slices so Ctrl-C (input.signal) and progress callbacks get through;
 *  5. drain, then collect metrics, the latency CDF, utilisation rows and the conservation count.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { Env } from '../../engine/env.js';
import { ConfigError, InputError } from '../../errors.js';
import { UtilisationRecorder } from '../../metrics/recorders.js';
import { roundSig } from '../../metrics/summary.js';
import type { Metrics } from '../../metrics/types.js';
import { checkWarmupCount } from '../../metrics/warmup.js';
import { editGenSchema, generateEditRows } from '../../workloads/edit/generate.js';
import { readEditTrace } from '../../workloads/edit/read.js';
import type { EditRow } from '../../workloads/edit/row.js';
import type { SimulationInput, SimulationOutput } from '../types.js';
import { EditCosts } from './costs.js';
import { resolveEditModel, type EditModelConfig } from './model.js';
import { checkEditFits, EditSim, type EditHooks } from './sim.js';
import { editPolicySchema, editWorkloadSchema, type EditPolicyConfig, type EditWorkloadConfig } from './types.js';

export type EditInput = SimulationInput<EditModelConfig, EditWorkloadConfig, EditPolicyConfig>;

/** Rows pulled per chunk; the engine runs to the chunk's last arrival before the next pull. */
const CHUNK = 4096;
/** Engine events between yields to the Node event loop. */
const SLICE = 250_000;

export async function simulateEdit(input: EditInput, hooks?: EditHooks): Promise<SimulationOutput & { sim: EditSim }> {
  // 1. model, policy, workload; fit checks.
  const model = resolveEditModel(input.model);
  const policy = editPolicySchema.parse(input.policy);
  const workload = editWorkloadSchema.parse(input.workload);
  const hw = input.hardware;
  const env = new Env();
  const utilisation = new UtilisationRecorder(200, 0.01);
  const sim = new EditSim({ env, hardware: hw, model, policy, warmup: input.warmup, trace: input.trace, utilisation, hooks, requests: input.requests });

  // 2. the workload.
  let total = 0;
  let source: { sync: Iterator<EditRow> } | { async: AsyncIterator<EditRow> };
  if (workload.trace !== undefined) {
    const file = resolve(input.baseDir, workload.trace);
    source = { async: readEditTrace(file)[Symbol.asyncIterator]() };
    if (input.onProgress) total = await countRows(file);
  } else {
    const gen = editGenSchema.parse(workload.generator ?? {});
    checkGeneratorModel(gen.model, model.name);
    total = gen.requests;
    source = { sync: generateEditRows(gen, input.seed)[Symbol.iterator]() };
  }

  // 3-4. feed and run.
  let lastPct = -1;
  const progress = (done: boolean) => {
    if (!input.onProgress) return;
    const c = sim.requests.conservation();
    const frac = done ? 1 : total > 0 ? Math.min(1, (c.arrived + c.completed + c.rejected) / (2 * total)) : 0;
    const pct = Math.floor(frac * 100);
    if (pct > lastPct) {
      lastPct = pct;
      input.onProgress(frac);
    }
  };
  const runUntil = async (t: number) => {
    for (let next = env.peek(); next !== Infinity && next <= t; next = env.peek()) {
      sim.yieldAt = env.eventsProcessed + SLICE;
      env.run(t);
      if (input.signal) {
        await tick();
        if (input.signal.aborted) throw abortError(input.signal);
      }
      progress(false);
    }
  };
  const buf: EditRow[] = [];
  let i = 0;
  const fire = () => {
    sim.arrive(buf[i]!);
    i++;
    if (i < buf.length) env.at(buf[i]!.arrival, fire);
  };
  let last = 0;
  for (;;) {
    buf.length = 0;
    i = 0;
    if ('sync' in source) {
      for (let n = 0; n < CHUNK; n++) {
        const r = source.sync.next();
        if (r.done) break;
        buf.push(r.value);
      }
    } else {
      for (let n = 0; n < CHUNK; n++) {
        const r = await source.async.next();
        if (r.done) break;
        buf.push(r.value);
      }
    }
    if (buf.length === 0) break;
    for (const r of buf) {
      if (r.model !== undefined && r.model !== model.name) {
        throw new InputError(`request for model '${r.model}' but the scenario serves '${model.name}'`, { file: r.file, line: r.line, field: 'model' });
      }
    }
    if (buf[0]!.arrival < last) throw new InputError('arrivals must be sorted', { file: buf[0]!.file, line: buf[0]!.line, field: 'arrival_s' });
    last = buf[buf.length - 1]!.arrival;
    env.at(buf[0]!.arrival, fire);
    await runUntil(last);
  }
  // 5. drain and collect.
  await runUntil(Infinity);
  progress(true);
  sim.requests.requireMeasured();
  return { ...collect(sim, env, input.sloMs), sim };
}

/** The pre-flight of SystemModule.check: the same fit checks simulateEdit() makes, without running. */
export function checkEdit(input: EditInput): void {
  const model = resolveEditModel(input.model);
  checkEditFits(model, editPolicySchema.parse(input.policy), input.hardware);
  // A measured calibration the model cannot reach is refused before any run.
  if (model.measured) new EditCosts(model, input.hardware.gpuCost, input.hardware.pcie, input.hardware.gpu);
  const workload = editWorkloadSchema.parse(input.workload);
  if (workload.trace === undefined) {
    const gen = editGenSchema.parse(workload.generator ?? {});
    checkGeneratorModel(gen.model, model.name);
    checkWarmupCount(input.warmup, 'request', gen.requests);
  }
}

function checkGeneratorModel(want: string | undefined, served: string): void {
  if (want !== undefined && want !== served) {
    throw new ConfigError(`workload.generator.model is '${want}' but the scenario serves '${served}'`, { field: 'workload.generator.model' });
  }
}

function collect(sim: EditSim, env: Env, sloMs: number | undefined): SimulationOutput {
  const T = env.now;
  const N = sim.workers.length;
  let compute = 0;
  let load = 0;
  let peak = 0;
  for (const w of sim.workers) {
    compute += w.computeBusy;
    load += w.loadBusy;
    peak = Math.max(peak, w.hbm.peak);
  }
  const base = sim.requests.metrics(sloMs);
  const metrics: Metrics = {
    throughput_per_s: base.throughput_per_s!,
    latency_ms: base.latency_ms!,
    queue_ms: base.queue_ms!,
    ...sim.edit.metrics(sim.usesCache),
    gpu_busy: roundSig(T > 0 ? compute / (N * T) : 0),
    pcie_busy: roundSig(T > 0 ? load / (N * T) : 0),
    gpu_memory_peak_gib: roundSig(peak / 2 ** 30),
    requests: base.requests!,
  };
  if (sim.hostCache) {
    metrics.disk_busy = roundSig(T > 0 ? sim.disk.busyTime() / T : 0);
    metrics.disk_fetches = sim.hostCache.fetches;
  }
  if (base.slo_attainment !== undefined) metrics.slo_attainment = base.slo_attainment;
  return {
    metrics,
    latencyCdf: sim.requests.latency.cdf(100),
    utilisation: sim.utilisationRows(),
    // In flight counted where requests are, not derived: a request lost by a bug breaks the sum.
    conservation: sim.requests.conservation(sim.workers.reduce((a, w) => a + w.queue.length + w.batch.length, 0)),
    simulatedSeconds: T,
    events: env.eventsProcessed,
  };
}

function abortError(signal: AbortSignal): Error {
  const r = signal.reason;
  if (r instanceof Error && r.name === 'AbortError') return r;
  return new DOMException('edit simulation aborted', 'AbortError');
}

/** Data rows of a trace (lines after the header, blank lines excluded), for progress reporting. */
async function countRows(file: string): Promise<number> {
  let n = 0;
  let prev = 10;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      for (let j = 0; j < chunk.length; j++) {
        const ch = chunk[j]!;
        if (ch === 10 && prev !== 10) n++;
        prev = ch;
      }
    }
  } catch {
    return 0; // the reader reports the problem with its file and line
  }
  if (prev !== 10) n++;
  return Math.max(0, n - 1);
}
