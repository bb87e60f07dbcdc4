/** One image-editing request as a trace row. Times are seconds; the mask ratio is a fraction 0..1. */
export interface EditRow {
  /** Arrival time, seconds from the start of the trace. */
  arrival: number;
  /** Request id (unique within a trace). */
  request: string;
  /** Image template id: requests on one template share its cached activations. */
  template: string;
  /** Fraction of the image's tokens the mask marks for editing. */
  maskRatio: number;
  /** Denoising steps; absent: the served model's default. */
  steps?: number;
  /** Output size in pixels; absent: the served model's default. Both or neither. */
  width?: number;
  height?: number;
  /** Model preset the request is for; absent: whatever the scenario serves. */
  model?: string;
  /** 1-based line in the trace file the row came from (absent for generated rows). */
  line?: number;
  /** The trace file the row came from. */
  file?: string;
}

export const EDIT_COLUMNS = {
  required: ['arrival_s', 'request', 'template', 'mask_ratio'],
  optional: ['steps', 'width', 'height', 'model'],
} as const;
