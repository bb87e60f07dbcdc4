// Hand-computed latencies of single requests on idle hardware (model costs fixed by overrides,
// links from the H800 presets), one per mechanism the issue names.
import { describe, expect, it } from 'vitest';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { T2iCosts, t2iModelSchema } from '../../../src/systems/t2i/index.js';
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

  it('bounded async: the patch is GPU work at the first step boundary after the load, no later than step K', async () => {
    // load = 0.453 s: the first boundary at or after it is step 10 (0.5 s).
    const b = Math.ceil(load / STEP);
    expect(b).toBe(10);
    // K = 10 or 15: the LoRA is loaded by the gate; the patch lands at step 10 and delays the rest.
    for (const k of [10, 15]) {
      const out = await run({ model, policy: { application: 'async', async_k: k }, workload: { trace: trace([[0, 'l1', '']]) } });
      expect(minMax(out)[0]).toBeCloseTo(N * STEP + PATCH, 9);
      expect(out.metrics.steps_without_lora).toEqual({ mean: b, fraction: b / N });
      expect(out.metrics.lora_wait_ms).toMatchObject({ mean: +(PATCH * 1000).toPrecision(6) });
    }
    // K = 5 (0.25 s): denoising stalls before step 5 until the load ends, then patches.
    const out = await run({ model, policy: { application: 'async', async_k: 5 }, workload: { trace: trace([[0, 'l1', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(load + PATCH + (N - 5) * STEP, 9);
    expect(out.metrics.steps_without_lora).toEqual({ mean: 5, fraction: 5 / N });
    expect(out.metrics.lora_wait_ms).toMatchObject({ mean: +((load + PATCH - 5 * STEP) * 1000).toPrecision(6) });
  });

  it('bounded async: a LoRA loaded during the text encoder is patched before step 0', async () => {
    const te = 1; // longer than the load
    const out = await run({ model: { ...model, text_encoder_ms: te * 1000 }, policy: { application: 'async' }, workload: { trace: trace([[0, 'l1', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(te + PATCH + N * STEP, 9);
    expect(out.metrics.steps_without_lora).toEqual({ mean: 0, fraction: 0 });
  });

  it('fuse_adapters: two LoRAs patch in one pass; peft_setup_growth: the second setup costs more', async () => {
    const two = trace([[0, 'l1|l2', '']]);
    // Without a measured patch_ms the patch is priced: fused = one pass over W with rank 2r.
    const priced = { ...model, patch_ms: undefined };
    const c = new T2iCosts(t2iModelSchema.parse({ ...priced, lora_mib: undefined }), resolveHardware({ gpu: 'h800', gpus: 1 }));
    const sep = c.patchSecondsFor(2, false);
    const fused = c.patchSecondsFor(2, true);
    expect(sep).toBeCloseTo(2 * c.patchSeconds, 12);
    // A merge at rank 80 is memory-bound on an H800 (80 / 2 FLOPs per byte of W, ridge ~220): the
    // fused pass reads and writes W once, so it costs one patch plus reading the second LoRA's
    // factors: rank x (rows + cols) x 2 B per layer, i.e. the LoRA's own bytes, at 80% of 3.35 TB/s.
    expect(fused - c.patchSeconds).toBeCloseTo(c.loraBytes / (0.8 * 3350e9), 9);
    const sepLat = minMax(await run({ model: priced, policy: { application: 'merge' }, workload: { trace: two } }))[0];
    const fusedLat = minMax(await run({ model: priced, policy: { application: 'merge', fuse_adapters: true }, workload: { trace: two } }))[0];
    expect(sepLat - fusedLat).toBeCloseTo(sep - fused, 9);
    // Sync with growth g: setups 2.5 and 2.5 (1 + g), one after the other.
    const g = 0.4;
    const base = minMax(await run({ model, workload: { trace: two } }))[0];
    const grown = minMax(await run({ model, policy: { peft_setup_growth: g }, workload: { trace: trace([[0, 'l1|l2', '']]) } }))[0];
    expect(grown - base).toBeCloseTo(2.5 * g, 9);
  });

  it('text-encoder LoRA: the file grows by both encoders\' matrices and loads longer', async () => {
    // Rank 64; UNet 2,659,840 and text encoders 903,168 adapted rows + cols per rank, fp16.
    const bytes = 64 * (2_659_840 + 903_168) * 2;
    const m = { ...model, lora_mib: undefined, lora_rank: 64, lora_text_encoder: true };
    const out = await run({ model: m, workload: { trace: trace([[0, 'l1', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(coldLoad(bytes) + 2.5 + PATCH + N * STEP, 9);
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

describe('t2i timeline: SwiftDiffusion backbone (latent parallelism, kernel factor)', () => {
  // SDXL latent at 1024^2: 4 x 128 x 128 fp16, what the two branch GPUs exchange each step.
  const LATENT = 4 * 128 * 128 * 2;
  const exchange = NVLINK.lat + LATENT / NVLINK.bw;
  const CN = 3 * GiB;

  it('cfg_parallel: each branch GPU runs half the CFG batch, then exchanges its noise prediction', async () => {
    const out = await run({ model, hardware: { gpu: 'h800', gpus: 2 }, policy: { cfg_parallel: true }, workload: { trace: trace([[0, '', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(N * (STEP / 2 + exchange), 9);
    expect(out.metrics.workers).toBe(1);
  });

  it('step_factor scales the denoiser step, not the exchange', async () => {
    const f = 0.75;
    const out = await run({ model, hardware: { gpu: 'h800', gpus: 2 }, policy: { cfg_parallel: true, step_factor: f }, workload: { trace: trace([[0, '', '']]) } });
    expect(minMax(out)[0]).toBeCloseTo(N * ((f * STEP) / 2 + exchange), 9);
    const solo = await run({ model, policy: { step_factor: f }, workload: { trace: trace([[0, '', '']]) } });
    expect(minMax(solo)[0]).toBeCloseTo(N * f * STEP, 9);
  });

  it('ControlNets on their own GPUs, split by branch: each branch sends half the residuals', async () => {
    // 3 ControlNets, one per GPU, per branch: 2 x (1 + 3) = 8 GPUs.
    const m = { ...model, controlnet_step_ms: 30, encoder_fraction: 0.4, controlnet_gib: 3 };
    const residualBranch = 2 * 26_869_760; // SDXL's skip + mid tensors at 128^2, fp16, one branch
    const transfer = NVLINK.lat + residualBranch / NVLINK.bw;
    const three = trace([[0, '', 'c1|c2|c3']]);
    const out = await run({ model: m, hardware: { gpu: 'h800', gpus: 8 }, policy: { cfg_parallel: true, controlnet: 'parallel', controlnet_gpus: 3 }, workload: { trace: three } });
    // The three ControlNets load over one disk link, then each over its own GPU's PCIe link.
    const read = 80e-6 + (3 * CN) / 6.5e9 + CN / 1.1e9 + 10e-6 + CN / 54e9;
    const unet = STEP / 2;
    expect(minMax(out)[0]).toBeCloseTo(read + N * (unet + exchange + Math.max(0, 0.015 + transfer - 0.4 * unet)), 9);
    // Both branches' residual sets, and the two noise predictions exchanged every step.
    expect(out.metrics.bytes).toMatchObject({ interconnect: 2 * 3 * N * residualBranch + 2 * N * LATENT });
  });

  it('cfg_parallel needs two GPUs per worker: one GPU is bad input naming policy.cfg_parallel', async () => {
    await expect(run({ model, policy: { cfg_parallel: true }, workload: { trace: trace([[0, '', '']]) } })).rejects.toThrow(/cfg_parallel|2 CFG branches/);
  });
});

