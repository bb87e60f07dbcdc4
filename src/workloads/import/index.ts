/** Trace importers by format name (`servesim trace import FORMAT ...`); see docs/cli.md. */
import { azureLlm } from './azure.js';
import { gentd26Lora } from './gentd26.js';
import { katz } from './katz.js';
import { routingLines } from './routing.js';
import type { Importer } from './types.js';

export const IMPORTERS = {
  'azure-llm': azureLlm,
  katz,
  'gentd26-lora': gentd26Lora,
  'routing-lines': routingLines,
} as const satisfies Record<string, Importer>;

export type ImportFormat = keyof typeof IMPORTERS;
export type { Importer, ImportOptions, ImportSummary } from './types.js';
export { parseStamp, relativeArrivals, secondsBetween, type Stamp, type TimeUnit } from './time.js';
