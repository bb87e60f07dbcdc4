// MoE replay speed: a 100k-token Mixtral-8x7B trace (32 layers, top-2, synthetic with the
// Mixtral routing statistics (docs/sources.md), generated as it replays) through the moe system on an H100 PCIe
// with an LRU cache of 128 experts and fetch on miss, under every prefetch policy (none, previous
// token, popularity, next-layer prediction with a synthetic predictor, oracle). Target (the
// issue's): each under 10 s on the 2-core machine. Reports wall seconds (the target), CPU seconds
// (what a quiet machine's wall time would be: neighbours inflate wall time), simulated tokens per
// second and engine events per second.
import { moeSystem } from '../../../dist/src/systems/moe/index.js';
import { resolveHardware } from '../../../dist/src/systems/hardware.js';
import { PREFETCH_POLICIES } from '../../../dist/src/systems/moe/policies/prefetch/index.js';

async function replay(tokens, prefetch) {
  const input = {
    hardware: resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' }),
    model: moeSystem.modelSchema.parse({ preset: 'mixtral-8x7b-fp16' }),
    workload: moeSystem.workloadSchema.parse({ generator: { tokens, request_tokens: 500 } }),
    policy: moeSystem.policySchema.parse({ cache_experts: 128, cache: 'lru', prefetch, miss: 'fetch' }),
    seed: 1,
    warmup: {},
    baseDir: '.',
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await moeSystem.simulate(input);
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { secs, cpu: (cpu.user + cpu.system) / 1e6, out };
}

export async function run() {
  await replay(2_000, 'none'); // warm-up: JIT and the generator's calibration
  const tokens = Number(process.env.MOE_BENCH_TOKENS ?? 100_000);
  const out = [];
  for (const prefetch of Object.keys(PREFETCH_POLICIES)) {
    const r = await replay(tokens, prefetch);
    const what = `moe: ${tokens / 1000}k-token Mixtral replay, LRU 128, prefetch ${prefetch}`;
    console.error(`${what}: ${r.secs.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU, ${r.out.events} events, hit rate ${r.out.metrics.hit_rate}`);
    out.push(
      { name: what, value: r.secs, unit: 's wall', target: '< 10', cpu_seconds: Math.round(r.cpu * 100) / 100 },
      { name: `${what}: rate`, value: tokens / r.cpu, unit: 'tokens/cpu-s' },
      { name: `${what}: events`, value: r.out.events / r.cpu, unit: 'events/cpu-s' },
    );
  }
  return out;
}
