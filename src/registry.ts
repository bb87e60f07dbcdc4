/**
 * The systems and trace kinds this build can run.
 *
 * TEMPORARY (cli branch): re-exports the test fixture registry (an M/M/c queue registered as
 * `edit`) so the CLI runs end to end before the real systems are merged. The lead replaces this
 * file with:
 *   export const REGISTRY = { systems: { moe: moeSystem, edit: editSystem, t2i: t2iSystem },
 *     traces: { moe: moeTrace, edit: editTrace, t2i: t2iTrace } } satisfies Registry;
 */
export { REGISTRY } from '../test/fixtures/registry.js';
