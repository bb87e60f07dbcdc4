/**
 * The systems and trace kinds this build can run: the composition root the CLI and the worker
 * threads load. Tests use their own registry (test/fixtures/registry.ts) by injection.
 */
import type { Registry } from './scenario/types.js';
import { editSystem } from './systems/edit/index.js';
import { moeSystem } from './systems/moe/index.js';
import { t2iSystem } from './systems/t2i/index.js';
import { editTrace } from './workloads/edit/index.js';
import { moeTrace } from './workloads/moe/index.js';
import { t2iTrace } from './workloads/t2i/index.js';

export const REGISTRY = {
  systems: { moe: moeSystem, edit: editSystem, t2i: t2iSystem },
  traces: { moe: moeTrace, edit: editTrace, t2i: t2iTrace },
} satisfies Registry;
