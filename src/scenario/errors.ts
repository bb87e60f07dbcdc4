/**
 * Errors crossing a worker-thread boundary lose their class; these helpers carry the kind and the
 * location across so a bad trace row read in a worker is still a one-line InputError (exit 2).
 */
import { ConfigError, InputError, InvariantError, MemoryError } from '../errors.js';

export interface WireError {
  kind: 'input' | 'config' | 'invariant' | 'memory' | 'abort' | 'other';
  message: string;
  detail?: string;
  file?: string;
  line?: number;
  field?: string;
  /** ConfigError: the fields that could fix it. */
  fields?: readonly string[];
  stack?: string;
}

export function isAbortError(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'AbortError';
}

export function toWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const base = { message: err.message, stack: err.stack };
  if (e instanceof InputError) return { ...base, kind: 'input', detail: e.detail, file: e.file, line: e.line, field: e.field };
  if (e instanceof ConfigError) return { ...base, kind: 'config', fields: e.fields };
  if (e instanceof InvariantError) return { ...base, kind: 'invariant' };
  if (e instanceof MemoryError) return { ...base, kind: 'memory' };
  if (isAbortError(e)) return { ...base, kind: 'abort' };
  return { ...base, kind: 'other' };
}

export function fromWire(w: WireError): Error {
  let e: Error;
  switch (w.kind) {
    case 'input':
      e = new InputError(w.detail ?? w.message, { file: w.file, line: w.line, field: w.field });
      break;
    case 'config':
      e = new ConfigError(w.message, { field: w.fields });
      break;
    case 'invariant':
      e = new InvariantError(w.message);
      break;
    case 'memory':
      e = new MemoryError(w.message);
      break;
    case 'abort':
      e = abortError();
      break;
    default:
      e = new Error(w.message);
  }
  if (w.stack) e.stack = w.stack;
  return e;
}

export function abortError(): Error {
  const e = new Error('the run was interrupted');
  e.name = 'AbortError';
  return e;
}
