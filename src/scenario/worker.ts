/**
 * Worker-thread entry: rebuilds the registry by importing the registry module named in
 * workerData (dist/src/registry.js by default), then runs jobs one at a time with the same
 * executeJob as a serial run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executeJob } from './execute.js';
import { toWire } from './errors.js';
import type { Job, Plan } from './plan.js';
import type { Registry } from './types.js';

interface Init {
  registryModule: string;
  plan: Plan;
}
type Message = { type: 'job'; job: Job; plan?: Plan } | { type: 'abort' };

const { registryModule, plan } = workerData as Init;
const mod = (await import(registryModule)) as { REGISTRY?: Registry };
if (!mod.REGISTRY) throw new Error(`${registryModule} exports no REGISTRY`);
const registry = mod.REGISTRY;
let controller = new AbortController();

parentPort!.on('message', (msg: Message) => {
  if (msg.type === 'abort') {
    controller.abort();
    return;
  }
  const job = msg.job;
  if (controller.signal.aborted) controller = new AbortController();
  let lastSent = 0;
  executeJob(registry, msg.plan ?? plan, job, {
    signal: controller.signal,
    onProgress: (fraction) => {
      const now = Date.now();
      if (now - lastSent >= 100) {
        lastSent = now;
        parentPort!.postMessage({ type: 'progress', index: job.index, fraction });
      }
    },
  }).then(
    (result) => parentPort!.postMessage({ type: 'done', result }),
    (e) => parentPort!.postMessage({ type: 'error', index: job.index, error: toWire(e) }),
  );
});
parentPort!.postMessage({ type: 'ready' });
