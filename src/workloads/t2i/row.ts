/**
 * One text-to-image request as a trace row: arrival time, request id, the LoRA and ControlNet
 * add-ons it names, and optional per-request overrides of steps, resolution and base model.
 */

export interface T2iRow {
  /** Seconds since the start of the trace (non-decreasing). */
  arrival_s: number;
  request: string;
  /** LoRA ids, distinct, at most MAX_LORAS. */
  loras: string[];
  /** ControlNet ids, distinct, at most MAX_CONTROLNETS. */
  controlnets: string[];
  /** Denoising steps; the model's default when absent. */
  steps?: number;
  /** Image size in pixels; both or neither. */
  width?: number;
  height?: number;
  /** Base model preset the request targets; the scenario's model when absent. */
  model?: string;
}

/** Per request 0-3 ControlNets (SwiftDiffusion, arXiv 2407.02031, production traces). */
export const MAX_CONTROLNETS = 3;
/** Per request 0-2 LoRAs (SwiftDiffusion, arXiv 2407.02031); one more is accepted so a trace may stress-test stacking. */
export const MAX_LORAS = 3;

/** Adapter and request ids: a letter or digit, then letters, digits and `._:/-`; at most 128 chars. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** The adapter mix of a request, e.g. `1C/2L` (ControlNets first, as the paper tabulates them). */
export function mixKey(controlnets: number, loras: number): string {
  return `${controlnets}C/${loras}L`;
}
