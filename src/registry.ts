/**
 * The systems and trace kinds this build can run.
 *
 * TEMPORARY (cli branch): registers the test fixture M/M/c queue as `edit` so the CLI runs end to
 * end before the real systems are merged. The lead replaces this file with:
 *   export const REGISTRY = { systems: { moe: moeSystem, edit: editSystem, t2i: t2iSystem },
 *     traces: { moe: moeTrace, edit: editTrace, t2i: t2iTrace } } satisfies Registry;
 */
import type { Registry } from './scenario/types.js';
import { queueSystem } from '../test/fixtures/queue/system.js';
import { queueTrace } from '../test/fixtures/queue/trace.js';

export const REGISTRY = {
  systems: { edit: queueSystem },
  traces: { edit: queueTrace },
} satisfies Registry;
