// servesim vs a hand-written event loop for one MoE replay, so the figure is a ratio on the same
// machine: Mixtral-8x7B fp16 on an H100 PCIe, batch 1, a per-layer LRU expert cache of 128
// experts, no prefetch, fetch on miss, on the generated routing trace (both sides generate it as
// they go, from the same generator and seed, and price ops with the same cost model).
//
// The hand-written model is what a user would write for this question: a GPU stream (FIFO), one
// demand copy stream over PCIe (latency, then bytes at full bandwidth), an LRU list per layer
// with the experts being computed pinned, and a loop over an event queue: a JS array sorted on
// insert, or a binary heap of closures. Before any time means anything the case checks that both
// give servesim's timeline: the same simulated end time (to 1e-12), tokens, hit rate and mean TPOT.
import { moeSystem } from '../../../dist/src/systems/moe/index.js';
import { MoeCosts } from '../../../dist/src/systems/moe/costs.js';
import { resolveMoeModel } from '../../../dist/src/systems/moe/model.js';
import { resolveHardware } from '../../../dist/src/systems/hardware.js';
import { generateMoeRows } from '../../../dist/src/workloads/moe/generator.js';
import { roundSig } from '../../../dist/src/metrics/summary.js';
import { closureHeapQueue, sortedArrayQueue, timed } from '../handwritten.mjs';

const TOKENS = Number(process.env.MOE_REF_TOKENS ?? 20_000);
const CACHE = 128;

function inputs(tokens) {
  return {
    hardware: resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' }),
    model: moeSystem.modelSchema.parse({ preset: 'mixtral-8x7b-fp16' }),
    workload: moeSystem.workloadSchema.parse({ generator: { tokens, request_tokens: 500 } }),
    policy: moeSystem.policySchema.parse({ cache_experts: CACHE, cache: 'lru', prefetch: 'none', miss: 'fetch', batch_size: 1 }),
    seed: 1,
    warmup: {},
    baseDir: '.',
  };
}

async function servesim(tokens) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await moeSystem.simulate(inputs(tokens));
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const m = out.metrics;
  return { end: out.simulatedSeconds, tokens: m.decode_tokens, hitRate: m.hit_rate, tpotMean: m.tpot_ms.mean, secs, cpu: (c.user + c.system) / 1e6 };
}

/** The same replay on a hand-written loop over `queue` (push(t, fn), pop() -> {t, fn}). */
function handWritten(queue, tokens) {
  const input = inputs(tokens);
  const model = resolveMoeModel(input.model);
  const costs = new MoeCosts(model, input.hardware, input.policy.lowbit_bits);
  const { bandwidth, latency } = input.hardware.pcie;
  const L = model.layers;
  const E = model.experts;
  const prompt = input.workload.prompt_tokens;
  const g = input.workload.generator;
  const rows = generateMoeRows({ ...g, layers: L, experts: E, top_k: model.topK, prompt_tokens: prompt }, input.seed);

  let now = 0;
  const at = (t, fn) => queue.push(t, fn);

  // LRU cache per layer: CACHE / L slots each, filled with each layer's first experts at start.
  const slots = CACHE / L;
  const resident = new Uint8Array(L * E);
  const pins = new Int32Array(L * E);
  const lastUse = new Float64Array(L * E);
  const members = Array.from({ length: L }, () => []);
  let useClock = 0;
  for (let l = 0; l < L; l++) {
    for (let e = 0; e < slots; e++) {
      members[l].push(l * E + e);
      resident[l * E + e] = 1;
      lastUse[l * E + e] = ++useClock;
    }
  }
  const makeRoom = (key) => {
    const m = members[Math.floor(key / E)];
    if (m.length >= slots) {
      let victim = -1;
      for (const k of m) if (resident[k] && pins[k] === 0 && (victim < 0 || lastUse[k] < lastUse[victim])) victim = k;
      if (victim < 0) throw new Error('every slot pinned');
      m.splice(m.indexOf(victim), 1);
      resident[victim] = 0;
    }
    m.push(key);
    lastUse[key] = ++useClock;
  };

  // GPU: one FIFO stream.
  let gpuBusy = false;
  const gpuQueue = [];
  const gpu = (dur, done) => {
    if (gpuBusy) return void gpuQueue.push([dur, done]);
    gpuBusy = true;
    at(now + dur, () => {
      gpuBusy = false;
      if (gpuQueue.length) gpu(...gpuQueue.shift());
      done();
    });
  };
  // PCIe demand copies, one at a time.
  const demand = [];
  let copying = false;
  const pump = () => {
    if (copying || demand.length === 0) return;
    const key = demand.shift();
    makeRoom(key);
    copying = true;
    at(now + latency, () =>
      at(now + model.expertBytes / bandwidth, () => {
        copying = false;
        resident[key] = 1;
        gpu(costs.expertGpu(1), () => {
          pins[key]--;
          partDone();
        });
        pump();
      }),
    );
  };

  let tok = null;
  let layer = 0;
  let layerTime = 0;
  let parts = 0;
  let stepStart = 0;
  let lastTime = NaN;
  let request = -1;
  let done = 0;
  let hits = 0;
  let accesses = 0;
  let tpotSum = 0;

  const readToken = () => {
    const first = rows.next();
    if (first.done) return null;
    const t = [first.value];
    for (let l = 1; l < L; l++) t.push(rows.next().value);
    return t;
  };
  const nextStep = () => {
    tok = readToken();
    if (!tok) return;
    if (tok[0].request !== request) {
      request = tok[0].request;
      lastTime = NaN;
    }
    stepStart = now;
    layer = 0;
    layerTime = costs.decodeLayer(1, prompt + tok[0].token);
    gpu(layerTime, onGate);
  };
  const onGate = () => {
    const experts = tok[layer].experts;
    let hitTime = 0;
    const hitKeys = [];
    for (const e of experts) {
      const key = layer * E + e;
      accesses++;
      pins[key]++;
      parts++;
      if (resident[key]) {
        hits++;
        lastUse[key] = ++useClock;
        hitTime += costs.expertGpu(1);
        hitKeys.push(key);
        parts--; // hits run as one job
      } else demand.push(key);
    }
    if (hitKeys.length) {
      parts++;
      gpu(hitTime, () => {
        for (const k of hitKeys) pins[k]--;
        partDone();
      });
    }
    pump();
    if (parts === 0) layerDone();
  };
  const partDone = () => {
    if (--parts === 0) layerDone();
  };
  const layerDone = () => {
    if (++layer < L) return gpu(layerTime, onGate);
    gpu(costs.lmHead(1), () => {
      tpotSum += (now - (Number.isNaN(lastTime) ? stepStart : lastTime)) * 1000;
      lastTime = now;
      done++;
      nextStep();
    });
  };

  nextStep();
  for (let ev = queue.pop(); ev; ev = queue.pop()) {
    now = ev.t;
    ev.fn();
  }
  return { end: now, tokens: done, hitRate: roundSig(hits / accesses), tpotMean: roundSig(tpotSum / done) };
}

function check(name, r, ref) {
  const bad = [];
  if (Math.abs(r.end - ref.end) > 1e-12 * ref.end) bad.push(`end ${r.end} s vs ${ref.end} s`);
  if (r.tokens !== ref.tokens) bad.push(`tokens ${r.tokens} vs ${ref.tokens}`);
  if (r.hitRate !== ref.hitRate) bad.push(`hit rate ${r.hitRate} vs ${ref.hitRate}`);
  if (r.tpotMean !== ref.tpotMean) bad.push(`mean TPOT ${r.tpotMean} ms vs ${ref.tpotMean} ms`);
  if (bad.length) throw new Error(`hand-written MoE (${name}) disagrees with servesim: ${bad.join('; ')}`);
}

export async function run() {
  // Warm-up (JIT, the generator's calibration) on a short trace, checked too.
  const warm = await servesim(500);
  check('sorted array, warm-up', handWritten(sortedArrayQueue(), 500), warm);
  check('closure heap, warm-up', handWritten(closureHeapQueue(), 500), warm);

  const ours = await servesim(TOKENS);
  const sorted = timed(() => handWritten(sortedArrayQueue(), TOKENS));
  const heap = timed(() => handWritten(closureHeapQueue(), TOKENS));
  check('sorted array', sorted, ours);
  check('closure heap', heap, ours);
  console.error(
    `moe reference: ${TOKENS} tokens, end ${ours.end.toFixed(3)} s simulated, hit rate ${ours.hitRate}; CPU s: servesim ${ours.cpu.toFixed(2)}, ` +
      `sorted array ${sorted.cpu.toFixed(2)}, closure heap ${heap.cpu.toFixed(2)}`,
  );
  const extra = (r) => ({ cpu_seconds: round(r.cpu), wall_seconds: round(r.secs) });
  const k = `${TOKENS / 1000}k`;
  return [
    { name: `reference: MoE ${k} tokens servesim`, value: TOKENS / ours.cpu, unit: 'tokens/cpu-s', ...extra(ours) },
    { name: `reference: MoE ${k} tokens hand-written sorted array`, value: TOKENS / sorted.cpu, unit: 'tokens/cpu-s', ...extra(sorted) },
    { name: `reference: MoE ${k} tokens hand-written closure heap`, value: TOKENS / heap.cpu, unit: 'tokens/cpu-s', ...extra(heap) },
    { name: 'reference: MoE speed-up vs sorted array', value: sorted.cpu / ours.cpu, unit: 'x (cpu)', wall_ratio: round(sorted.secs / ours.secs) },
    { name: 'reference: MoE speed-up vs closure heap', value: heap.cpu / ours.cpu, unit: 'x (cpu)', wall_ratio: round(heap.secs / ours.secs) },
  ];
}

const round = (x) => Math.round(x * 100) / 100;
