/**
 * One simulation from code: a system, hardware, model, workload, policy and seed in, the system's
 * SimulationOutput out. The options are checked exactly as a one-policy scenario file would be
 * (same schemas, same one-line-per-problem errors, hardware resolved the same way), then the
 * system's simulate() runs in this thread and the runner's invariant checks apply to its output.
 */
import type { TraceSink } from '../engine/trace.js';
import { REGISTRY } from '../registry.js';
import { checkOutput, prepareInput } from '../scenario/execute.js';
import { loadScenarioSource } from '../scenario/load.js';
import { jobsOf } from '../scenario/plan.js';
import { ScenarioError, type Registry } from '../scenario/types.js';
import type { HardwareConfig } from '../systems/hardware.js';
import type { SimulationOutput, SystemName, WarmupConfig } from '../systems/types.js';
import type { ModelConfigOf, PolicyConfigOf, WorkloadConfigOf } from './configs.js';
import { objectSource } from './source.js';

export interface SimulateOptions<S extends SystemName = SystemName> {
  system: S;
  /** GPU, host and link presets (`servesim presets`). __Default value:__ one H100 SXM */
  hardware?: HardwareConfig;
  model?: ModelConfigOf<S>;
  workload?: WorkloadConfigOf<S>;
  /** The policy; `{}` is the system's default (its baseline). */
  policy?: PolicyConfigOf<S>;
  /** Every random stream derives from it by name. __Default value:__ 1 */
  seed?: number;
  warmup?: WarmupConfig;
  /** Latency deadline for slo_attainment. */
  slo?: { latency_ms: number };
  /** Directory that relative paths (trace files, profiles) resolve against. __Default value:__ the working directory */
  baseDir?: string;
  /** Activity sink (e.g. a WindowRecorder) for a Gantt chart or a Chrome timeline. */
  trace?: TraceSink;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Systems to choose from. __Default value:__ the built-in REGISTRY */
  registry?: Registry;
}

/** The label the single policy gets inside the one-policy scenario. */
const POLICY_LABEL = 'policy';

export async function simulate<S extends SystemName>(opts: SimulateOptions<S>): Promise<SimulationOutput> {
  const registry = opts.registry ?? REGISTRY;
  const baseDir = opts.baseDir ?? process.cwd();
  const raw: Record<string, unknown> = {
    name: 'simulate',
    system: opts.system,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.hardware !== undefined ? { hardware: opts.hardware } : {}),
    ...(opts.model !== undefined ? { model: opts.model } : {}),
    ...(opts.workload !== undefined ? { workload: opts.workload } : {}),
    policies: [{ label: POLICY_LABEL, policy: opts.policy ?? {} }],
    ...(opts.warmup !== undefined ? { warmup: opts.warmup } : {}),
    ...(opts.slo !== undefined ? { slo: opts.slo } : {}),
    report: { gantt: false },
  };
  let loaded;
  try {
    loaded = loadScenarioSource(objectSource(raw, 'simulate()'), baseDir, { registry });
  } catch (e) {
    // Name fields as the caller wrote them: `policy.miss`, not `policies[0].policy.miss`.
    if (e instanceof ScenarioError) {
      throw new ScenarioError(e.problems.map((p) => ({ path: p.path.replace(/^policies\[0\]\.policy/, 'policy'), message: p.message, origin: 'simulate():' })));
    }
    throw e;
  }
  const { plan, system } = loaded;
  const job = jobsOf(plan)[0]!;
  const input = prepareInput(system, plan, job);
  if (opts.trace) input.trace = opts.trace;
  if (opts.onProgress) input.onProgress = opts.onProgress;
  if (opts.signal) input.signal = opts.signal;
  const out = await system.simulate(input);
  checkOutput(out, `${opts.system} simulate() (seed ${job.seed})`);
  return out;
}
