// Hand-computed latencies of single requests on idle hardware (model costs fixed by overrides,
// links from the H800 presets), one per mechanism the issue names.
import { describe, expect, it } from 'vitest';
import { coldLoad, GiB, hostToGpu, minMax, MiB, NVLINK, run, trace } from './helpers.js';

const STEP = 0.05;
const N = 20;
const PATCH = 0.1;
const LORA = 400 * MiB;
/** SDXL with measured step costs and free text encoder / VAE, so latencies are easy sums. */
const model = { preset: 'sdxl', steps: N, unet_step_ms: STEP * 1000, text_encoder_ms: 0, vae_ms: 0, patch_ms: PATCH * 1000, lora_mib: 400 };
const load = coldLoad(LORA);

describe('t2i timeline: LoRA application', () => {
  it('sync (Diffusers): load + PEFT setup + patch + steps x step', async () => {
    const out = await run({ model, workload: { trace: trace([[0, 'l1', '']]) } });
    const [lat] = minMax(out);
    expect(lat).toBeCloseTo(load + 2.5 + PATCH + N * STEP, 9);
    expect(out.metrics.lora_load_ms).toMatchObject({ mean: +((load + 2.5) * 1000).toPrecision(6) });
    expect(out.metrics.lora_patch_ms).toMatchObject({ mean: 2 * PATCH * 1000 }); // patch + unpatch
  });

  it('merge: no PEFT setup; two LoRAs load concurrently and patch one after the other', async () => {
    const one = minMax(await run({ model, policy: { application: 'merge' }, workload: { trace: trace([[0, 'l1', '']]) } }))[0];
    expect(one).toBeCloseTo(load + PATCH + N * STEP, 9);
    // Two LoRAs share the disk and PCIe links (max-min fair): both finish reading together.
    const two = minMax(await run({ model, policy: { application: 'merge' }, workload: { trace: trace([[0, 'l1|l2', '']]) } }))[0];
    const twoLoad = 80e-6 + (2 * LORA) / 6.5e9 + LORA / 1.1e9 + 10e-6 + (2 * LORA) / 54e9;
    expect(two).toBeCloseTo(twoLoad + 2 * PATCH + N * STEP, 9);
  });

  it('bounded async: max(K steps, load + patch) + the remaining steps; steps before the patch run without the LoRA', async () => {
    const side = load + PATCH; // 0.553 s
    // K = 10: the gate (0.5 s) comes first, denoising stalls until the LoRA is in.
    let out = await run({ model, policy: { application: 'async', async_k: 10 }, workload: { trace: trace([[0, 'l1', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(Math.max(10 * STEP, side) + (N - 10) * STEP, 9);
    expect(out.metrics.steps_without_lora).toEqual({ mean: 10, fraction: 10 / N });
    expect(out.metrics.lora_wait_ms).toMatchObject({ mean: +((side - 10 * STEP) * 1000).toPrecision(6) });
    // K = 15: the LoRA is in before the gate; no stall, 12 steps (starts 0 .. 0.55 s) ran without it.
    out = await run({ model, policy: { application: 'async', async_k: 15 }, workload: { trace: trace([[0, 'l1', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(Math.max(15 * STEP, side) + (N - 15) * STEP, 9);
    expect(out.metrics.steps_without_lora).toEqual({ mean: Math.ceil(side / STEP), fraction: Math.ceil(side / STEP) / N });
  });

  it('unmerged: no patch, every step pays for the LoRA', async () => {
    const out = await run({ model: { ...model, unmerged_step_ms: 10 }, policy: { application: 'unmerged' }, workload: { trace: trace([[0, 'l1', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(load + N * (STEP + 0.01), 9);
    expect(out.metrics.lora_patch_ms).toMatchObject({ mean: 0 });
  });

  it('a cache hit skips the load: host hit -> PCIe copy only; GPU hit -> nothing; kept patched -> not even the patch', async () => {
    const twice = trace([
      [0, 'l1', ''],
      [100, 'l1', ''],
    ]);
    const merge = { application: 'merge' };
    let out = await run({ model, policy: { ...merge, host_cache_gib: 1 }, workload: { trace: twice } });
    expect(minMax(out)).toEqual([expect.closeTo(hostToGpu(LORA) + PATCH + N * STEP, 9), expect.closeTo(load + PATCH + N * STEP, 9)]);
    expect(out.metrics.lora_cache).toMatchObject({ uses: 2, gpu_hit_rate: 0, host_hit_rate: 0.5, store_reads: 1 });
    out = await run({ model, policy: { ...merge, gpu_cache_gib: 1 }, workload: { trace: twice } });
    expect(minMax(out)[0]).toBeCloseTo(PATCH + N * STEP, 9);
    expect(out.metrics.lora_cache).toMatchObject({ gpu_hit_rate: 0.5, patched_reuse_rate: 0 });
    out = await run({ model, policy: { ...merge, unpatch: 'keep' }, workload: { trace: twice } });
    expect(minMax(out)[0]).toBeCloseTo(N * STEP, 9);
    expect(out.metrics.lora_cache).toMatchObject({ gpu_hit_rate: 0.5, patched_reuse_rate: 0.5 });
    // Keep mode unpatches when the next request wants a different LoRA: the unpatch runs on the GPU
    // while the new LoRA is read, so it costs GPU time but no latency here.
    out = await run({ model, policy: { ...merge, unpatch: 'keep' }, workload: { trace: trace([[0, 'l1', ''], [100, 'l2', '']]) } });
    expect(minMax(out)).toEqual([expect.closeTo(load + PATCH + N * STEP, 9), expect.closeTo(load + PATCH + N * STEP, 9)]);
    expect(out.metrics.lora_patch_ms).toMatchObject({ mean: 150, max: 200 }) // patch l1 (kept); unpatch l1 + patch l2;
  });

  it('unpatch between requests delays the next request on the worker', async () => {
    const out = await run({ model, policy: { application: 'merge' }, workload: { trace: trace([[0, 'l1', ''], [0, 'l2', '']]) } });
    const one = load + PATCH + N * STEP;
    expect(minMax(out)).toEqual([expect.closeTo(one, 9), expect.closeTo(one + PATCH + one, 9)]);
    expect(out.metrics.queue_ms).toMatchObject({ max: +((one + PATCH) * 1000).toPrecision(6) });
  });
});

describe('t2i timeline: ControlNet placement', () => {
  const CN = 3 * GiB;
  const cnLoad = coldLoad(CN);
  const cnModel = { ...model, controlnet_step_ms: 30, encoder_fraction: 0.4, residual_mib: 100, controlnet_gib: 3 };
  const transfer = NVLINK.lat + (100 * MiB) / NVLINK.bw;
  const oneCn = trace([[0, '', 'c1']]);

  it('serial: each step pays the whole ControlNet', async () => {
    const out = await run({ model: cnModel, workload: { trace: oneCn } });
    expect(minMax(out)[0]).toBeCloseTo(cnLoad + N * (STEP + 0.03), 9);
  });

  it('parallel: each step adds max(0, controlnet - overlap) + transfer instead', async () => {
    const out = await run({ model: cnModel, hardware: { gpu: 'h800', gpus: 2 }, policy: { controlnet: 'parallel' }, workload: { trace: oneCn } });
    const overlap = 0.4 * STEP; // 20 ms of the 50 ms step run before the residuals are needed
    expect(minMax(out)[0]).toBeCloseTo(cnLoad + N * (STEP + Math.max(0, 0.03 - overlap) + transfer), 9);
    expect(out.metrics.bytes).toMatchObject({ interconnect: N * 100 * MiB });
    expect(out.metrics.gpu_busy).toMatchObject({ controlnet: expect.any(Number) });
    // A ControlNet shorter than the overlap hides entirely, transfer included.
    const fast = await run({ model: { ...cnModel, controlnet_step_ms: 15 }, hardware: { gpu: 'h800', gpus: 2 }, policy: { controlnet: 'parallel' }, workload: { trace: oneCn } });
    expect(minMax(fast)[0]).toBeCloseTo(cnLoad + N * STEP, 9);
  });

  it('parallel: two ControlNets on one dedicated GPU run back to back, on two GPUs side by side', async () => {
    const two = trace([[0, '', 'c1|c2']]);
    // c1 and c2 both load over the same disk link and then the same (one) or separate (two) PCIe links.
    const read = 80e-6 + (2 * CN) / 6.5e9 + CN / 1.1e9;
    let out = await run({ model: cnModel, hardware: { gpu: 'h800', gpus: 2 }, policy: { controlnet: 'parallel' }, workload: { trace: two } });
    expect(minMax(out)[0]).toBeCloseTo(read + 10e-6 + (2 * CN) / 54e9 + N * (STEP + (0.06 - 0.02) + transfer), 9);
    out = await run({ model: cnModel, hardware: { gpu: 'h800', gpus: 3 }, policy: { controlnet: 'parallel', controlnet_gpus: 2 }, workload: { trace: two } });
    expect(minMax(out)[0]).toBeCloseTo(read + 10e-6 + CN / 54e9 + N * (STEP + (0.03 - 0.02) + transfer), 9);
  });

  it('stale: only the first step waits; later steps use the previous step residuals', async () => {
    const out = await run({ model: cnModel, hardware: { gpu: 'h800', gpus: 2 }, policy: { controlnet: 'stale' }, workload: { trace: oneCn } });
    // Step 0 waits for fresh residuals (30 ms + transfer, needed at 20 ms); each later job has a whole step.
    expect(minMax(out)[0]).toBeCloseTo(cnLoad + STEP + (0.03 + transfer - 0.02) + (N - 1) * STEP, 9);
    expect(out.metrics.stale_controlnet_steps).toEqual({ mean: N - 1, fraction: (N - 1) / N });
    expect(out.metrics.bytes).toMatchObject({ interconnect: (N - 1) * 100 * MiB });
  });

  it('a cached ControlNet is not loaded again', async () => {
    const out = await run({ model: cnModel, workload: { trace: trace([[0, '', 'c1'], [100, '', 'c1']]) } });
    expect(minMax(out)[0]).toBeCloseTo(N * (STEP + 0.03), 9);
    expect(out.metrics.controlnet_cache).toMatchObject({ uses: 2, gpu_hit_rate: 0.5, store_reads: 1 });
  });
});
