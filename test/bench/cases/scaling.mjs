// Does work grow linearly? Time per unit and peak RSS of one streaming replay at growing sizes,
// each size in a fresh child process (so its peak RSS is its own), after a short in-process
// warm-up (JIT, the MoE generator's calibration):
//  - MoE: Mixtral-8x7B on an H100 PCIe, LRU 128, no prefetch, generated routing (streamed):
//    10k, 100k, 300k tokens (SCALE_FULL=1: up to 1M; 1M is ~100 s of CPU on the 2-core machine);
//  - edit: 8 H800s, the InstGenIE stack, generated requests (streamed): 100k, 1M requests
//    (SCALE_FULL=1: also 10M, ~5 min of CPU).
// Reports CPU microseconds per unit (target: within 20% of the smallest size's) and peak RSS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'src');
const full = process.env.SCALE_FULL === '1';

const child = {
  moe: (n) => `
    const { moeSystem } = await import(${JSON.stringify(join(dist, 'systems/moe/index.js'))});
    const { resolveHardware } = await import(${JSON.stringify(join(dist, 'systems/hardware.js'))});
    const go = (tokens) => moeSystem.simulate({
      hardware: resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' }),
      model: moeSystem.modelSchema.parse({ preset: 'mixtral-8x7b-fp16' }),
      workload: moeSystem.workloadSchema.parse({ generator: { tokens, request_tokens: 500 } }),
      policy: moeSystem.policySchema.parse({ cache_experts: 128, cache: 'lru', prefetch: 'none', miss: 'fetch' }),
      seed: 1, warmup: {}, baseDir: '.' });
    await go(2000);
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const out = await go(${n});
    report(c0, t0, out.events);`,
  edit: (n) => `
    const { editSystem } = await import(${JSON.stringify(join(dist, 'systems/edit/index.js'))});
    const { resolveHardware } = await import(${JSON.stringify(join(dist, 'systems/hardware.js'))});
    const go = (requests) => editSystem.simulate({
      hardware: resolveHardware({ gpu: 'h800', gpus: 8, host: 'epyc-9654-2s' }),
      model: { preset: 'sdxl' },
      workload: { generator: { requests, rps: 5, templates: 8 } },
      policy: { compute: 'masked', loading: 'pipeline', batching: 'continuous', balance: 'cost-aware' },
      seed: 1, warmup: { requests: 1000 }, baseDir: '.' });
    await go(20000);
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const out = await go(${n});
    report(c0, t0, out.events);`,
};
const prelude = `
  const report = (c0, t0, events) => { const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, events, rss_mb: process.resourceUsage().maxRSS / 1024 })); };`;

function measure(kind, n) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', prelude + child[kind](n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`scaling ${kind} ${n}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

export function run() {
  const plan = [
    ['moe', 'tokens', full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000, 300_000]],
    ['edit', 'requests', full ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000]],
  ];
  const out = [];
  for (const [kind, unit, sizes] of plan) {
    let base;
    let prev;
    for (const n of sizes) {
      const m = measure(kind, n);
      const us = (m.cpu / n) * 1e6;
      base ??= us;
      // Cost of the units added since the previous size: fixed costs (start, warm-up tiers) cancel.
      const marginal = prev ? ((m.cpu - prev.cpu) / (n - prev.n)) * 1e6 : undefined;
      prev = { n, cpu: m.cpu };
      console.error(`scaling ${kind} ${n} ${unit}: ${m.cpu.toFixed(2)} s CPU (${m.wall.toFixed(2)} s wall), ${us.toFixed(1)} us/${unit.slice(0, -1)}, ${(m.events / n).toFixed(1)} events each, peak RSS ${m.rss_mb.toFixed(0)} MB`);
      out.push({
        name: `scaling: ${kind} ${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`} ${unit}`,
        value: us,
        unit: `cpu-us/${unit.slice(0, -1)}`,
        target: `within 20% of ${base.toFixed(1)}`,
        ratio_to_smallest: Math.round((us / base) * 100) / 100,
        ...(marginal !== undefined ? { marginal_cpu_us: Math.round(marginal * 10) / 10 } : {}),
        cpu_seconds: Math.round(m.cpu * 100) / 100,
        events_per_unit: Math.round((m.events / n) * 10) / 10,
        peak_rss_mb: Math.round(m.rss_mb),
      });
    }
  }
  return out;
}
