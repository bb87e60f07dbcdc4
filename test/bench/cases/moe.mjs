// MoE replay speed: a 100k-token Mixtral-8x7B trace (32 layers, top-2, synthetic with the
// design.md routing statistics, generated as it replays) through the moe system on an H100 PCIe
// with an LRU cache of 128 experts. Target (the issue's): under 10 s on the 2-core CI machine for
// one policy, the default one (no prefetch, fetch on miss). The same trace with next-layer
// prediction prefetching (more transfers, a synthetic predictor) is reported beside it.
// Reports wall seconds, simulated tokens per wall second, CPU seconds and engine events per second.
import { moeSystem } from '../../../dist/src/systems/moe/index.js';
import { resolveHardware } from '../../../dist/src/systems/hardware.js';

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
  for (const prefetch of ['none', 'predicted']) {
    const r = await replay(tokens, prefetch);
    const what = `moe: 100k-token Mixtral replay, LRU 128, ${prefetch === 'none' ? 'fetch on miss' : 'predicted prefetch'}`;
    out.push(
      { name: what, value: r.secs, unit: 's wall', ...(prefetch === 'none' ? { target: '< 10' } : {}) },
      { name: `${what}: rate`, value: tokens / r.secs, unit: 'tokens/s' },
      { name: `${what}: CPU`, value: r.cpu, unit: 's cpu' },
      { name: `${what}: events`, value: r.out.events / r.secs, unit: 'events/s' },
    );
  }
  return out;
}
