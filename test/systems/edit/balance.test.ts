import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BALANCE_POLICIES, simulateEdit, type WorkerLoad } from '../../../src/systems/edit/index.js';
import { input } from './helpers.js';

const load = fc.record({ outstanding: fc.integer({ min: 0, max: 20 }), backlogSeconds: fc.integer({ min: 0, max: 100 }).map((x) => x / 8), assignedSeconds: fc.integer({ min: 0, max: 100 }).map((x) => x / 8) });

describe('balance policies', () => {
  it('cost-aware never picks a worker with a larger predicted finish time', () => {
    fc.assert(
      fc.property(fc.array(fc.array(load, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 40 }), (calls, pred) => {
        const p = BALANCE_POLICIES['cost-aware']();
        for (const ws of calls) {
          const i = p.pick(ws, pred / 8);
          for (const w of ws) expect(ws[i]!.backlogSeconds + pred / 8).toBeLessThanOrEqual(w.backlogSeconds + pred / 8);
        }
      }),
    );
  });

  it('least-outstanding picks a worker with the fewest requests; ties rotate', () => {
    const p = BALANCE_POLICIES['least-outstanding']();
    const ws: WorkerLoad[] = [{ outstanding: 2, backlogSeconds: 0, assignedSeconds: 0 }, { outstanding: 1, backlogSeconds: 9, assignedSeconds: 9 }, { outstanding: 1, backlogSeconds: 0, assignedSeconds: 0 }];
    expect(p.pick(ws, 1)).toBe(1);
    expect(p.pick(ws, 1)).toBe(2);
    expect(p.pick(ws, 1)).toBe(1);
  });

  it('round-robin cycles whatever the load', () => {
    const p = BALANCE_POLICIES['round-robin']();
    const ws: WorkerLoad[] = [{ outstanding: 9, backlogSeconds: 9, assignedSeconds: 9 }, { outstanding: 0, backlogSeconds: 0, assignedSeconds: 0 }, { outstanding: 0, backlogSeconds: 0, assignedSeconds: 0 }];
    expect([0, 1, 2, 3].map(() => p.pick(ws, 1))).toEqual([0, 1, 2, 0]);
  });

  it('inside a simulation, every cost-aware dispatch goes to a minimal predicted finish (settled runs, 8 GPUs near saturation)', async () => {
    let checked = 0;
    await simulateEdit(input({ hardware: { gpus: 8 }, workload: { generator: { requests: 1500, rps: 5.5, templates: 8 } }, policy: { balance: 'cost-aware' } }), {
      onDispatch: (_r, chosen, loads, pred) => {
        const best = Math.min(...loads.map((w) => w.backlogSeconds + pred));
        expect(loads[chosen]!.backlogSeconds + pred).toBeLessThanOrEqual(best);
        checked++;
      },
    });
    expect(checked).toBe(1500);
  });
});
