/**
 * Opening a WebGPU device through Dawn (the npm `webgpu` package). Requests the features the
 * validator uses when the adapter has them (timestamp-query, shader-f16) and the adapter's largest
 * buffer limits. Dawn quantises timestamps to 4096 ns unless that toggle is disabled.
 */
import { create, globals } from 'webgpu';

export const INSTALL_HINT =
  'no WebGPU adapter found; install a Vulkan driver (on Debian bookworm: add bookworm-backports, then ' +
  '`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1` for lavapipe) or run on a machine with a GPU';

export class NoAdapterError extends Error {
  constructor() {
    super(INSTALL_HINT);
    this.name = 'NoAdapterError';
  }
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface Gpu {
  device: GPUDevice;
  info: AdapterInfo;
  /** Adapter features (all of them, for the profile). */
  features: string[];
  hasF16: boolean;
  hasTimestamps: boolean;
  maxBufferSize: number;
  maxStorageBindingSize: number;
  /** True for CPU (software) adapters such as lavapipe, whose timings test plumbing, not a GPU. */
  software: boolean;
}

let installed = false;
let navigatorGpu: GPU | undefined;

function gpuEntry(): GPU {
  if (!installed) {
    Object.assign(globalThis, globals);
    installed = true;
  }
  navigatorGpu ??= create(['disable-dawn-features=timestamp_quantization']);
  return navigatorGpu;
}

/** The adapter if one exists, else null (never throws for "no adapter"). */
export async function findAdapter(): Promise<GPUAdapter | null> {
  try {
    return await gpuEntry().requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    return null;
  }
}

export interface OpenOptions {
  /** Do not request shader-f16 even if present (to test the f32-only path). */
  noF16?: boolean;
}

export async function openGpu(opts: OpenOptions = {}): Promise<Gpu> {
  const adapter = await findAdapter();
  if (!adapter) throw new NoAdapterError();
  const features = [...adapter.features].map(String).sort();
  const wanted: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) wanted.push('timestamp-query');
  if (adapter.features.has('shader-f16') && !opts.noF16) wanted.push('shader-f16');
  const device = await adapter.requestDevice({
    requiredFeatures: wanted,
    requiredLimits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
  });
  device.addEventListener('uncapturederror', (ev) => {
    // Validation errors are bugs in the harness: make them loud.
    console.error(`WebGPU error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
  });
  const i = adapter.info;
  const info: AdapterInfo = {
    vendor: i.vendor || 'unknown',
    architecture: i.architecture || 'unknown',
    device: i.device || 'unknown',
    description: i.description || 'unknown',
  };
  return {
    device,
    info,
    features,
    hasF16: wanted.includes('shader-f16'),
    hasTimestamps: wanted.includes('timestamp-query'),
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBindingSize: device.limits.maxStorageBufferBindingSize,
    software: /llvmpipe|lavapipe|swiftshader|software/i.test(`${info.architecture} ${info.description} ${info.device}`),
  };
}
