/**
 * Published lone-request latencies, for `model.measured: <name>`: the model priced from its
 * architecture is scaled to the stack the paper measured (costs.ts, "calibrate"). Each names the
 * preset, resolution, steps and GPU it was measured with; using it with anything else is refused,
 * because the scale is relative to that configuration's own price.
 */
import type { GPUS } from '../../hardware/gpus.js';
import type { EditModelName } from '../../workloads/edit/models.js';
import type { CacheContent } from './architectures.js';

export interface EditCalibration {
  preset: EditModelName;
  /** Resolution and steps the measurement used, where they differ from the preset's. */
  width?: number;
  height?: number;
  steps?: number;
  /** GPU preset key (hardware.gpu). */
  gpu: keyof typeof GPUS;
  full_ms?: number;
  masked?: { mask: number; ms: number; content?: CacheContent };
  source: string;
}

export const EDIT_CALIBRATIONS = {
  // FlashPS (EuroSys'26) gives no full-compute Flux latency. Sec. 3.1: one request at mask 0.2
  // caching the block outputs (our default `cache.content: attn-out`) takes 2.27 s; the section
  // does not name the model. It is read here as Flux: it is not OOTD (whose whole request takes
  // 1.94 s in full, Fig. 1), and Fig. 15 (right) plots the models on an axis up to 5 s; SD2.1 on
  // the A10 would fit too (priced here at 2.45 s at 768^2). The full request follows from
  // Fig. 15's "1.9x at mask 0.2" for Flux: 2.27 s x 1.9 = 4.313 s.
  'flashps-flux-h800': {
    preset: 'flux',
    gpu: 'h800',
    full_ms: 4313,
    masked: { mask: 0.2, ms: 2270, content: 'attn-out' },
    source:
      'FlashPS (Jiang et al., EuroSys 2026) Sec. 3.1: 2.27 s per request at mask 0.2 caching block outputs (model not named; read as Flux); full = 2.27 s x 1.9 (Sec. 6.3 / Fig. 15, Flux on H800)',
  },
  // Fig. 1: the virtual try-on request (OOTDiffusion, 1024 x 768, 20 steps: FlashPS's "SDXL")
  // on H800 in full ("Standard") takes 1.94 s. Its mask is not given, so only the full point is
  // used. The preset is servesim's OOTD proxy (the SD2.x UNet at OOTD's resolution and steps).
  'flashps-ootd-h800': {
    preset: 'sd2.1',
    width: 1024,
    height: 768,
    steps: 20,
    gpu: 'h800',
    full_ms: 1940,
    source: 'FlashPS (Jiang et al., EuroSys 2026) Fig. 1: OOTDiffusion virtual try-on on H800, standard (full) inference 1.94 s',
  },
} as const satisfies Record<string, EditCalibration>;

export type EditCalibrationName = keyof typeof EDIT_CALIBRATIONS;
export const EDIT_CALIBRATION_NAMES = Object.keys(EDIT_CALIBRATIONS) as [EditCalibrationName, ...EditCalibrationName[]];
