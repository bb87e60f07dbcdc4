/** Scenarios written inline in tests, loaded the way `servesim run` loads a file. */
import { tmpdir } from 'node:os';
import { loadScenarioSource } from '../../src/scenario/load.js';
import type { Plan } from '../../src/scenario/plan.js';
import { parseScenarioText } from '../../src/scenario/source.js';
import type { Registry } from '../../src/scenario/types.js';
import { REGISTRY } from '../../src/registry.js';

export function planOf(text: string, registry: Registry = REGISTRY, baseDir = tmpdir()): Plan {
  return loadScenarioSource(parseScenarioText(text, 's.yaml'), baseDir, { registry }).plan;
}

/** The one-line problems loading `text` reports (empty when it loads). */
export function problemsOf(text: string, baseDir = tmpdir()): string[] {
  try {
    loadScenarioSource(parseScenarioText(text, 's.yaml'), baseDir, { registry: REGISTRY });
    return [];
  } catch (e) {
    return (e as Error).message.split('\n');
  }
}
