/**
 * Types the scenario layer shares with the CLI and the report: the registry of systems and trace
 * kinds (passed in, never imported here, so tests and the real build can use different ones), and
 * located problems in a scenario.
 */
import type { SystemModule, SystemName } from '../systems/types.js';
import type { TraceKind, TraceKindModule } from '../workloads/types.js';
import { InputError } from '../errors.js';

/** What the scenario runner and the CLI can drive. src/registry.ts builds the real one. */
export interface Registry {
  systems: Partial<Record<SystemName, SystemModule>>;
  traces: Partial<Record<TraceKind, TraceKindModule<any, any>>>;
}

/** One problem in a scenario, with where it came from: a file line or a `--set` override. */
export interface ScenarioProblem {
  /** Dotted path in the scenario (`workload.generator.rps`). */
  path: string;
  message: string;
  file?: string;
  line?: number;
  /** `--set a.b=c` when the value came from the command line. */
  origin?: string;
}

export function formatProblem(p: ScenarioProblem): string {
  const where = p.origin ?? (p.file !== undefined ? (p.line !== undefined ? `${p.file}:${p.line}` : p.file) : undefined);
  return `${where !== undefined ? `${where} ` : ''}${p.path}: ${p.message}`;
}

/** Every problem of a scenario; the message has one line per problem. */
export class ScenarioError extends InputError {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}
