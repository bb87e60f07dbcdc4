import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ProfileCost, type CostModel } from '../../src/cost/model.js';
import { linkAt, loadProfile } from '../../src/hardware/profile.js';
import { WORKLOADS as CLI_WORKLOADS } from '../commands.js';
import { expertBytes } from '../kernels/ffn.js';
import { emptyRecord, type Cmd, type Workload } from './stream.js';
import { drive, flat } from './test-drive.js';
import { moeOpShapes, moeUploadsConfig, moeWorkload, planMoe } from './moe.js';
import { diffusionOpShapes, diffusionUploadsConfig, diffusionWorkload, partBytes, planDiffusion } from './diffusion.js';
import { DEFAULT_WORKLOADS, metricsOf, WORKLOADS } from './validate.js';
import { runInSimulator } from './sim-driver.js';

/** Another price list, to show the offline batch's arrivals ignore prices. */
const slow: CostModel = { ...flat, opSeconds: () => 7e-3 };

/** Per token (the commands between syncs): is an upload issued before its first FFN (an exposed miss)? */
function exposedPerToken(cmds: Cmd[]): boolean[] {
  const out: boolean[] = [];
  let seenFfn = false;
  let exposed = false;
  for (const c of cmds) {
    if (c.t === 'upload' && !seenFfn) exposed = true;
    if (c.t === 'compute' && c.key.startsWith('ffn:')) seenFfn = true;
    if (c.t === 'sync') {
      out.push(exposed);
      seenFfn = false;
      exposed = false;
    }
  }
  return out;
}

describe('the upload-heavy workloads are selectable', () => {
  it('the CLI names every workload validate knows, and the defaults stay the two original ones', () => {
    expect([...CLI_WORKLOADS].sort()).toEqual(Object.keys(WORKLOADS).sort());
    expect(DEFAULT_WORKLOADS).toEqual(['moe-decode', 'diffusion-edit']);
  });
});

describe('moe-decode-uploads', () => {
  const cfg = moeUploadsConfig(false, 'f16');
  const plan = planMoe(cfg, flat);
  const tokens = plan.requests.reduce((s, r) => s + r.tokens, 0);

  it('runs f32 experts of 3 x 1024 x 1024 x 4 B = 12 MiB, every request waiting at the start whatever the prices', () => {
    expect(cfg.dtype).toBe('f32');
    expect(expertBytes(cfg, cfg.dtype)).toBe(12_582_912);
    expect(plan.requests.every((r) => r.arrival === 0)).toBe(true);
    expect(planMoe(cfg, slow)).toEqual(plan);
  });

  it('on-demand: a 2-slot LRU over 3 layers misses every expert, so every token starts with an exposed upload', () => {
    const rec = emptyRecord();
    const cmds = drive(moeWorkload(plan, 'on-demand', rec));
    expect(rec.uploads).toBe(3 * tokens);
    expect(rec.uploadBytes).toBe(3 * tokens * 12_582_912);
    expect(cmds.filter((c) => c.t === 'upload').every((c) => c.t === 'upload' && c.bytes === 12_582_912)).toBe(true);
    expect(exposedPerToken(cmds)).toEqual(Array(tokens).fill(true));
  });

  it('a perfect gate prefetches every expert but the first: 3 uploads a token, one exposed miss in the run', () => {
    const perfect = planMoe({ ...cfg, gateAccuracy: 1 }, flat);
    const rec = emptyRecord();
    const cmds = drive(moeWorkload(perfect, 'prefetch-gate', rec));
    expect(rec.uploads).toBe(3 * tokens);
    expect(exposedPerToken(cmds).filter(Boolean).length).toBe(1);
  });

  it('prefetch-prev-token and prefetch-gate expose a miss on fewer tokens than on-demand, and gate on the fewest', () => {
    const exposed = (p: 'prefetch-prev-token' | 'prefetch-gate') => exposedPerToken(drive(moeWorkload(plan, p, emptyRecord()))).filter(Boolean).length;
    const prev = exposed('prefetch-prev-token');
    const gate = exposed('prefetch-gate');
    // prev-token is right when routing repeats (locality 0.5 plus popularity), gate 80% of the time.
    expect(prev).toBeLessThan(0.6 * tokens);
    expect(prev).toBeGreaterThan(0.25 * tokens);
    expect(gate).toBeLessThan(prev);
    expect(gate).toBeLessThan(0.3 * tokens);
  });

  it('lists its ops at the f32 shapes: per token 3 attentions, 3 gate GEMVs and 3 expert FFNs of 6,295,552 FLOPs', () => {
    const shapes = moeOpShapes(plan);
    expect(shapes.map((s) => [s.family, s.count])).toEqual([
      ['attention', 3 * tokens],
      ['gemv', 3 * tokens],
      ['expert_ffn', 3 * tokens],
    ]);
    const ffn = shapes[2]!.op;
    // 2 x 1 x 1024 x 1024 x 3 + 4 x 1024; weights 12 MiB + (2 x 1024 + 3 x 1024) x 2 B of activations.
    expect(ffn).toMatchObject({ kind: 'expert_ffn', dtype: 'fp32', flops: 6_295_552, bytes: 12_593_152 });
  });
});

describe('diffusion-edit-uploads', () => {
  const cfg = diffusionUploadsConfig(false, 'f16');
  const plan = planDiffusion(cfg, flat);

  it('one masked token of 16384 per request, 2 MiB cache parts, every request waiting at the start', () => {
    expect(partBytes(cfg)).toBe(16384 * 64 * 2);
    expect(plan.requests.every((r) => r.arrival === 0)).toBe(true);
    expect(planDiffusion(cfg, slow)).toEqual(plan);
    // The Beta draw sits under its clamp: (nearly) every request masks one token.
    expect(plan.requests.filter((r) => r.masked === 1).length).toBeGreaterThan(0.95 * cfg.requests);
    expect(plan.requests.every((r) => r.masked >= 1 && r.masked <= 2)).toBe(true);
  });

  it('its parts take a profile h2d segment of large copies, not the 36 GB/s small-copy one', () => {
    const h2d = loadProfile('validate/profiles/lavapipe.json').links['h2d']!;
    const part = linkAt(h2d, partBytes(cfg)).bandwidth;
    expect(part).toBeLessThan(1.5 * h2d.bandwidth); // near the largest copies' rate
    expect(linkAt(h2d, 64 * 1024).bandwidth).toBeGreaterThan(5 * part);
  });

  it('both slots join at every step: sequential loads 2 x 4 x 3 parts before computing, overlapped block by block', () => {
    const first = (policy: 'sequential-load' | 'overlapped-load') => {
      const cmds = drive(diffusionWorkload(plan, policy, emptyRecord()));
      return cmds.slice(0, cmds.findIndex((c) => c.t === 'sync')).map((c) => (c.t === 'upload' ? `u${c.slot.split(':')[1]}` : c.t === 'compute' ? 'c' : c.t));
    };
    const u = (b: number, n: number): string[] => Array(n).fill(`ub${b}`);
    const oneRequest = [...u(0, 3), ...u(1, 3), ...u(2, 3), ...u(3, 3)];
    expect(first('sequential-load')).toEqual([...oneRequest, ...oneRequest, ...Array(8).fill('c')]);
    expect(first('overlapped-load')).toEqual([...u(0, 6), 'c', 'c', ...u(1, 6), 'c', 'c', ...u(2, 6), 'c', 'c', ...u(3, 6), 'c', 'c']);
  });

  it('uploads 12 parts (24 MiB) per request under both policies and syncs once per pair of requests', () => {
    for (const policy of ['sequential-load', 'overlapped-load'] as const) {
      const rec = emptyRecord();
      const cmds = drive(diffusionWorkload(plan, policy, rec));
      expect(rec.uploads).toBe(cfg.requests * 12);
      expect(rec.uploadBytes).toBe(cfg.requests * 12 * 2_097_152);
      expect(cmds.filter((c) => c.t === 'sync').length).toBe(cfg.requests / 2);
    }
  });

  it('lists one masked-block shape per mask size; one masked token costs 4,292,608 FLOPs and 4,296,320 B', () => {
    const shapes = diffusionOpShapes(plan);
    const one = shapes.find((s) => (s.shape as { masked: number }).masked === 1)!;
    // 24 x 1 x 64^2 + 4 x 1 x 16384 x 64 FLOPs; (12 x 64^2 + 2 x 16384 x 64 + 29 x 64) x 2 B.
    expect(one.op).toMatchObject({ kind: 'masked_block', dtype: 'fp16', flops: 4_292_608, bytes: 4_296_320 });
    expect(shapes.reduce((s, x) => s + x.count, 0)).toBe(cfg.requests * cfg.blocks);
  });
});

describe('at the committed lavapipe profile, the simulator separates the variants\' policies (no stalls)', () => {
  const path = 'validate/profiles/lavapipe.json';
  const profile = loadProfile(path);
  const extras = JSON.parse(readFileSync(path, 'utf8')) as { host_issue_s: number; upload_host_share: number };
  const cost = new ProfileCost(profile, flat, 'profile');
  const sim = (wl: (rec: ReturnType<typeof emptyRecord>) => Workload) => {
    const rec = emptyRecord();
    runInSimulator({ cost, h2d: profile.links['h2d']!, d2h: profile.links['d2h']!, issueSeconds: extras.host_issue_s, sharedCores: true, uploadHostShare: extras.upload_host_share }, wl(rec));
    return metricsOf(rec);
  };

  it('moe-decode-uploads: gate ahead of prev-token ahead of on-demand per token, each by over 1.5%', () => {
    const plan = planMoe(moeUploadsConfig(false, 'f16'), cost);
    const [od, prev, gate] = (['on-demand', 'prefetch-prev-token', 'prefetch-gate'] as const).map((p) => sim((rec) => moeWorkload(plan, p, rec)).unit_mean_ms);
    expect(prev! / od!).toBeLessThan(0.985);
    expect(gate! / prev!).toBeLessThan(0.985);
  });

  it('diffusion-edit-uploads: overlapped-load ahead of sequential-load per step by over 15%', () => {
    const plan = planDiffusion(diffusionUploadsConfig(false, 'f16'), cost);
    const [seq, ovl] = (['sequential-load', 'overlapped-load'] as const).map((p) => sim((rec) => diffusionWorkload(plan, p, rec)).unit_mean_ms);
    expect(ovl! / seq!).toBeLessThan(0.85);
  });
});
