/**
 * Device tests: an adapter when one exists; without one they fail when SERVESIM_REQUIRE_GPU=1
 * (CI installs lavapipe, so a missing adapter there is a broken setup) and otherwise skip with one
 * line saying how to install lavapipe.
 */
import { findAdapter, INSTALL_HINT, openGpu, type Gpu } from './gpu/device.js';

export async function gpuForTests(): Promise<Gpu | null> {
  const adapter = await findAdapter();
  if (!adapter) {
    if (process.env['SERVESIM_REQUIRE_GPU'] === '1') throw new Error(`SERVESIM_REQUIRE_GPU=1 but ${INSTALL_HINT}`);
    console.warn(`validate: skipping device tests: ${INSTALL_HINT}`);
    return null;
  }
  return openGpu();
}
