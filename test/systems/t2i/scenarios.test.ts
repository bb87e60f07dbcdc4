// The shipped t2i studies must parse against this system's schemas at every sweep point (the
// scenario runner lives elsewhere; this only checks the files' t2i parts and sweep paths).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveHardware } from '../../../src/systems/hardware.js';
import { t2iSystem } from '../../../src/systems/t2i/index.js';

const dir = join(__dirname, '../../../scenarios');
const files = readdirSync(dir).filter((f) => /^t2i-.*\.ya?ml$/.test(f));

function setPath(o: any, path: string, v: unknown): void {
  const keys = path.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
  cur[keys[keys.length - 1]!] = v;
}

function points(sweep: Record<string, unknown> | undefined): Array<Array<[string, unknown]>> {
  let out: Array<Array<[string, unknown]>> = [[]];
  for (const [k, v] of Object.entries(sweep ?? {})) {
    expect(Array.isArray(v), `${k}: this check only knows value lists`).toBe(true);
    out = out.flatMap((p) => (v as unknown[]).map((x) => [...p, [k, x] as [string, unknown]]));
  }
  return out;
}

describe('scenarios/t2i-*.yaml', () => {
  it('ships several studies', () => expect(files.length).toBeGreaterThanOrEqual(4));

  for (const f of files) {
    it(`${f} parses at every sweep point`, () => {
      const s = parse(readFileSync(join(dir, f), 'utf8'));
      expect(s.system).toBe('t2i');
      expect(s.name).toMatch(/^[a-z0-9\-_.]+$/);
      expect(s.policies.length).toBeGreaterThan(1);
      for (const point of points(s.sweep)) {
        for (const p of s.policies) {
          const sc = structuredClone(s);
          const pol = structuredClone(p.policy);
          for (const [k, v] of point) {
            if (k.startsWith('policy.')) pol[k.slice(7)] = v;
            else setPath(sc, k, v);
          }
          const hw = resolveHardware(sc.hardware);
          t2iSystem.modelSchema.parse(sc.model);
          t2iSystem.workloadSchema.parse(sc.workload);
          const policy = t2iSystem.policySchema.parse(pol);
          // Enough GPUs for the placement.
          expect(hw.gpus).toBeGreaterThanOrEqual(policy.controlnet === 'serial' ? 1 : 1 + policy.controlnet_gpus);
        }
      }
    });
  }
});
