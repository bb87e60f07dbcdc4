/**
 * The systems and trace kinds this build can run: the composition root the CLI and the worker
 * threads load. Tests use their own registry (test/fixtures/registry.ts) by injection.
 *
 * Each system's modules (some 30-60 files each) load on first use, so a run loads only the system
 * it runs: the getters require() the compiled ES module synchronously (Node >= 20.19). Where that
 * is not available (older Node, or these TypeScript sources run by vitest) all three are imported
 * up front, as before.
 */
import { createRequire } from 'node:module';
import type * as Edit from './systems/edit/index.js';
import type * as Moe from './systems/moe/index.js';
import type * as T2i from './systems/t2i/index.js';
import type { Registry } from './scenario/types.js';
import { editTrace } from './workloads/edit/index.js';
import { moeTrace } from './workloads/moe/index.js';
import { t2iTrace } from './workloads/t2i/index.js';

const lazy = import.meta.url.endsWith('.js') && (process.features as { require_module?: boolean }).require_module === true;
const load = createRequire(import.meta.url);
const eager = lazy
  ? undefined
  : {
      moe: (await import('./systems/moe/index.js')).moeSystem,
      edit: (await import('./systems/edit/index.js')).editSystem,
      t2i: (await import('./systems/t2i/index.js')).t2iSystem,
    };

export const REGISTRY = {
  systems: {
    get moe(): typeof Moe.moeSystem {
      return eager?.moe ?? (load('./systems/moe/index.js') as typeof Moe).moeSystem;
    },
    get edit(): typeof Edit.editSystem {
      return eager?.edit ?? (load('./systems/edit/index.js') as typeof Edit).editSystem;
    },
    get t2i(): typeof T2i.t2iSystem {
      return eager?.t2i ?? (load('./systems/t2i/index.js') as typeof T2i).t2iSystem;
    },
  },
  traces: { moe: moeTrace, edit: editTrace, t2i: t2iTrace },
} satisfies Registry;
