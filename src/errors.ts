/**
 * Error types shared by every layer. The CLI maps InputError and ConfigError to exit code 2 with a
 * single line; anything else is a bug and keeps its stack (shown with --debug).
 */

/** Where in a user's file a problem was found. `line` is 1-based; omitted when not applicable. */
export interface InputLocation {
  file?: string;
  line?: number;
  field?: string;
}

/** Bad user input: a trace, scenario, profile or CLI flag. Message is one line. */
export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly detail: string;
  constructor(detail: string, where: InputLocation = {}) {
    super(formatLocation(where) + detail);
    this.name = 'InputError';
    this.detail = detail;
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

/**
 * A configuration that cannot run (a model that does not fit, a zero-bandwidth link). `field` is
 * the scenario field to change, as a path in the SimulationInput (`policy.cache_experts`,
 * `model.top_k`, `hardware.gpu`): the scenario loader maps it to the file line that set it. When
 * several fields could fix it, `field` may list them (most specific first) and the loader names
 * the first one the scenario sets.
 */
export class ConfigError extends Error {
  readonly field?: string;
  readonly fields?: readonly string[];
  constructor(message: string, where: { field?: string | readonly string[] } = {}) {
    super(message);
    this.name = 'ConfigError';
    const f = where.field;
    if (f !== undefined) {
      this.fields = typeof f === 'string' ? [f] : f;
      this.field = this.fields[0];
    }
  }
}

/** A modelling invariant was violated during a run: always a bug in a model or a policy. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** An allocation would exceed a memory pool's capacity. */
export class MemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryError';
  }
}

export function formatLocation(where: InputLocation): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  else if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.field !== undefined) parts.push(`field '${where.field}'`);
  return parts.length ? parts.join(' ') + ': ' : '';
}

/** Errors a user can fix by changing their input; the CLI prints them as one line, exit 2. */
export function isUserError(e: unknown): e is InputError | ConfigError {
  return e instanceof InputError || e instanceof ConfigError;
}
