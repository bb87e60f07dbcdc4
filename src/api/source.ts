/** A scenario given as an object rather than a file: no lines to point at, so problems name paths. */
import { InputError } from '../errors.js';
import type { ScenarioSource } from '../scenario/source.js';

export function objectSource(value: unknown, file: string): ScenarioSource {
  let copy: unknown;
  try {
    // A private copy: later changes to the caller's object cannot reach a running plan.
    copy = structuredClone(value);
  } catch (e) {
    throw new InputError(`a scenario object must be plain data (${(e as Error).message.split('\n')[0]})`, { file });
  }
  return { file, value: copy, lineOf: () => undefined };
}
