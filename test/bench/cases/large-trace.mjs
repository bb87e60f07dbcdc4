// Large traces in bounded memory (issue 9): a 5-million-row MoE routing trace (Mixtral-8x7B, 32
// layers x 156,250 tokens in 313 requests; ~0.15 GB of CSV) is generated to a temp file as a
// stream, then replayed from the file through the moe system (LRU cache of 128 experts on an
// H100 PCIe, fetch on miss). Reported: rows/s of writing and of the replay, and the peak RSS of the
// process after the replay (target: under 1 GiB; the file is never held whole, the simulator keeps
// a bounded read-ahead window and fixed-size metrics). Set LARGE_TRACE_ROWS to change the size.
// Measured on the 2-core CI machine: 5.0 M rows, replay 58 k rows/s (86 s), peak RSS 161 MB.
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moeSystem } from '../../../dist/src/systems/moe/index.js';
import { resolveHardware } from '../../../dist/src/systems/hardware.js';
import { moeTrace } from '../../../dist/src/workloads/moe/index.js';

const LAYERS = 32;

async function writeTrace(file, rows) {
  const params = moeTrace.genSchema.parse({ tokens: Math.ceil(rows / LAYERS), request_tokens: 500 });
  const out = createWriteStream(file);
  out.write(moeTrace.header() + '\n');
  let n = 0;
  let chunk = [];
  for (const row of moeTrace.generate(params, 1)) {
    chunk.push(moeTrace.toCsv(row));
    n++;
    if (chunk.length === 8192) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return n;
}

export async function run() {
  const rows = Number(process.env.LARGE_TRACE_ROWS ?? 5_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'servesim-large-'));
  const file = join(dir, 'moe-large.csv');
  try {
    let t0 = performance.now();
    const written = await writeTrace(file, rows);
    const writeSecs = (performance.now() - t0) / 1000;
    const bytes = statSync(file).size;
    const rssAfterWrite = process.resourceUsage().maxRSS / 1024;

    const input = {
      hardware: resolveHardware({ gpu: 'h100-pcie', host: 'xeon-8380-2s' }),
      model: moeSystem.modelSchema.parse({ preset: 'mixtral-8x7b-fp16' }),
      workload: moeSystem.workloadSchema.parse({ trace: file }),
      policy: moeSystem.policySchema.parse({ cache_experts: 128, cache: 'lru', prefetch: 'none', miss: 'fetch' }),
      seed: 1,
      warmup: {},
      baseDir: dir,
    };
    let samples = 0;
    let heapPeak = 0;
    const timer = setInterval(() => {
      samples++;
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 200);
    t0 = performance.now();
    const out = await moeSystem.simulate(input);
    const replaySecs = (performance.now() - t0) / 1000;
    clearInterval(timer);
    const peak = process.resourceUsage().maxRSS / 1024;
    const tokens = out.metrics.tokens ?? out.conservation.completed;
    return [
      { name: `large trace: ${(written / 1e6).toFixed(1)} M-row moe trace written (${(bytes / 1e9).toFixed(2)} GB)`, value: written / writeSecs, unit: 'rows/s', peak_rss_mb: Math.round(rssAfterWrite) },
      { name: 'large trace: replay through the moe system', value: written / replaySecs, unit: 'rows/s' },
      { name: 'large trace: replay wall time', value: replaySecs, unit: 's wall' },
      { name: 'large trace: peak RSS (write + replay)', value: peak, unit: 'MB', target: '< 1024' },
      { name: 'large trace: peak JS heap during replay', value: heapPeak / 2 ** 20, unit: 'MB', samples },
      { name: 'large trace: requests replayed', value: out.conservation.arrived, unit: 'requests', tokens },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
