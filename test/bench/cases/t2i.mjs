// t2i replay speed: a 550k-request trace (the size of the public 20-day production trace behind
// SwiftDiffusion) written to a CSV file, then streamed through the simulator on 8 H800s under the
// Diffusers-like baseline and under every remedy at once. Target: each replay under 30 s.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { t2iTrace } from '../../../dist/src/workloads/t2i/index.js';
import { t2iSystem } from '../../../dist/src/systems/t2i/index.js';
import { resolveHardware } from '../../../dist/src/systems/hardware.js';

const REQUESTS = 550_000;
// 550k requests over 20 days.
const RPS = REQUESTS / (20 * 86400);

async function writeTrace(file) {
  const out = createWriteStream(file);
  out.write(t2iTrace.header() + '\n');
  let buf = '';
  for (const row of t2iTrace.generate({ requests: REQUESTS, rps: RPS }, 1)) {
    buf += t2iTrace.toCsv(row) + '\n';
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function replay(file, policy) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await t2iSystem.simulate({
    hardware: resolveHardware({ gpu: 'h800', gpus: 8 }),
    model: { preset: 'sdxl' },
    workload: { trace: file },
    policy,
    seed: 1,
    warmup: {},
    baseDir: '.',
  });
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  if (res.conservation.completed !== REQUESTS) throw new Error(`completed ${res.conservation.completed} of ${REQUESTS}`);
  return { secs, cpu, events: res.events };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'servesim-t2i-bench-'));
  const file = join(dir, 't2i-550k.csv');
  try {
    const g0 = performance.now();
    await writeTrace(file);
    const gen = (performance.now() - g0) / 1000;
    const mb = statSync(file).size / 1e6;
    const out = [{ name: 't2i: generate + write 550k-request trace', value: REQUESTS / gen, unit: 'requests/s', trace_mb: Math.round(mb) }];
    const policies = {
      'Diffusers-like baseline': {},
      'all remedies': {
        application: 'async', host_cache_gib: 64, gpu_cache_gib: 8, unpatch: 'keep',
        controlnet: 'parallel', assignment: 'affinity',
      },
    };
    for (const [label, policy] of Object.entries(policies)) {
      const r = await replay(file, policy);
      // CPU seconds too: on a shared machine wall time measures the neighbours as well.
      console.error(`t2i ${label}: ${REQUESTS} requests in ${r.secs.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU (${Math.round(REQUESTS / r.secs)} requests/s, ${r.events} events, load average ${loadavg()[0].toFixed(1)})`);
      out.push({ name: `t2i: replay 550k requests, 8x H800, ${label}`, value: REQUESTS / r.secs, unit: 'requests/s', seconds: Math.round(r.secs * 10) / 10, cpu_seconds: Math.round(r.cpu * 10) / 10, target: '>= 18333 (550k in < 30 s)' });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
