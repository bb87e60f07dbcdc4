import { describe, expect, it } from 'vitest';
import { emptyRecord } from './stream.js';
import { drive, flat } from './test-drive.js';
import { moeConfig, moeOpShapes, moeWorkload, planMoe, MOE_POLICIES, type MoePolicy } from './moe.js';
import { diffusionConfig, diffusionOpShapes, diffusionWorkload, planDiffusion } from './diffusion.js';
import { fitKey, type OpShape } from './speed.js';

describe('planMoe(cfg)', () => {
  const cfg = moeConfig(true, 'f16');
  it('is deterministic for a seed and differs across seeds', () => {
    expect(planMoe(cfg, flat)).toEqual(planMoe(cfg, flat));
    expect(planMoe({ ...cfg, seed: 8 }, flat).routes).not.toEqual(planMoe(cfg, flat).routes);
  });
  it('routes top-k distinct experts with the configured temporal locality', () => {
    const plan = planMoe({ ...cfg, requests: 60 }, flat);
    let repeats = 0;
    let total = 0;
    plan.routes.forEach((tok, t) =>
      tok.forEach((es, l) => {
        expect(new Set(es).size).toBe(cfg.topK);
        if (t > 0) for (const e of es) (total++, plan.routes[t - 1]![l]!.includes(e) && repeats++);
      }),
    );
    // Kept with p = locality, plus chance repeats from the skewed popularity.
    expect(repeats / total).toBeGreaterThan(cfg.locality);
    expect(repeats / total).toBeLessThan(0.8);
  });
  it('has arrivals in order, the first at 0', () => {
    const plan = planMoe(cfg, flat);
    expect(plan.requests[0]!.arrival).toBe(0);
    for (let i = 1; i < plan.requests.length; i++) expect(plan.requests[i]!.arrival).toBeGreaterThanOrEqual(plan.requests[i - 1]!.arrival);
  });
});

describe('moeWorkload(plan, policy)', () => {
  const plan = planMoe(moeConfig(true, 'f16'), flat);
  it('computes every routed expert once per token and layer, after it is resident', () => {
    for (const policy of Object.keys(MOE_POLICIES) as MoePolicy[]) {
      const rec = emptyRecord();
      const cmds = drive(moeWorkload(plan, policy, rec));
      const tokens = plan.requests.reduce((s, r) => s + r.tokens, 0);
      const ffn = cmds.filter((c) => c.t === 'compute' && c.key.startsWith('ffn:'));
      expect(ffn.length).toBe(tokens * plan.cfg.layers * plan.cfg.topK);
      expect(cmds.filter((c) => c.t === 'sync').length).toBe(tokens);
      // Replay the slots: each FFN's slot must hold an expert uploaded earlier (never an empty slot).
      const filled = new Set<string>();
      for (const c of cmds) {
        if (c.t === 'upload') filled.add(c.slot);
        if (c.t === 'compute' && c.key.startsWith('ffn:')) expect(filled.has(c.slots[0]!)).toBe(true);
      }
      expect(rec.uploads).toBe(cmds.filter((c) => c.t === 'upload').length);
      expect(rec.requests.length).toBe(plan.requests.length);
    }
  });
  it('a perfect gate predictor turns every miss after the first layer into a prefetch', () => {
    const perfect = planMoe({ ...moeConfig(true, 'f16'), gateAccuracy: 1 }, flat);
    const cmds = drive(moeWorkload(perfect, 'prefetch-gate', emptyRecord()));
    // With the prediction exact, an FFN is never immediately preceded by its own upload after token 0 layer 0.
    let stalls = 0;
    cmds.forEach((c, i) => {
      const prev = cmds[i - 1];
      if (c.t === 'compute' && c.key.startsWith('ffn:') && prev?.t === 'upload' && prev.slot === c.slots[0]) stalls++;
    });
    expect(stalls).toBeLessThanOrEqual(perfect.cfg.topK);
  });
});

describe('diffusionWorkload(plan, policy)', () => {
  const plan = planDiffusion(diffusionConfig(true, 'f16'), flat);
  it('runs every request for its steps, loading its cache once, under both policies', () => {
    for (const policy of ['sequential-load', 'overlapped-load'] as const) {
      const rec = emptyRecord();
      const cmds = drive(diffusionWorkload(plan, policy, rec));
      expect(rec.requests.length).toBe(plan.requests.length);
      expect(rec.uploads).toBe(plan.requests.length * plan.cfg.blocks * 3);
      const blocks = cmds.filter((c) => c.t === 'compute').length;
      expect(blocks).toBe(plan.requests.length * plan.cfg.steps * plan.cfg.blocks);
      for (const r of rec.requests) expect(r.done).toBeGreaterThan(r.arrival);
    }
  });
  it('overlapped-load issues block b+1 uploads right behind block b compute; sequential loads all first', () => {
    const first = (policy: 'sequential-load' | 'overlapped-load') => {
      const cmds = drive(diffusionWorkload(plan, policy, emptyRecord()));
      return cmds.slice(0, cmds.findIndex((c) => c.t === 'sync')).map((c) => (c.t === 'upload' ? `u${c.slot.split(':')[1]}` : c.t === 'compute' ? 'c' : c.t));
    };
    expect(first('sequential-load')).toEqual(['ub0', 'ub0', 'ub0', 'ub1', 'ub1', 'ub1', 'c', 'c']);
    expect(first('overlapped-load')).toEqual(['ub0', 'ub0', 'ub0', 'c', 'ub1', 'ub1', 'ub1', 'c']);
  });
});

describe('the op shapes a workload lists for the speed probe', () => {
  /** Compute ops a workload issues, counted by fit key, FLOPs and bytes. */
  const issued = (cmds: Cmd[]) => {
    const m = new Map<string, number>();
    for (const c of cmds) if (c.t === 'compute') m.set(`${fitKey(c.op)}/${c.op.flops}/${c.op.bytes}`, (m.get(`${fitKey(c.op)}/${c.op.flops}/${c.op.bytes}`) ?? 0) + 1);
    return m;
  };
  const listed = (shapes: OpShape[]) => new Map(shapes.map((s) => [`${fitKey(s.op)}/${s.op.flops}/${s.op.bytes}`, s.count]));
  it('moe: exactly the ops the decode loop computes, with their counts, under every policy', () => {
    const plan = planMoe(moeConfig(true, 'f16'), flat);
    for (const policy of Object.keys(MOE_POLICIES) as MoePolicy[]) expect(listed(moeOpShapes(plan))).toEqual(issued(drive(moeWorkload(plan, policy, emptyRecord()))));
  });
  it('diffusion: one masked-block shape per mask size, counted per request, step and block', () => {
    const plan = planDiffusion(diffusionConfig(true, 'f16'), flat);
    const shapes = diffusionOpShapes(plan);
    expect(shapes.length).toBe(new Set(plan.requests.map((r) => r.masked)).size);
    for (const policy of ['sequential-load', 'overlapped-load'] as const) expect(listed(shapes)).toEqual(issued(drive(diffusionWorkload(plan, policy, emptyRecord()))));
  });
});
