/** Results files and what is rendered from them (public surface). */
export type * from './types.js';
export { resultsCsv, resultsLongCsv } from './csv.js';
export { renderHtml } from './html.js';
export { writeChartImages, fontFiles } from './png.js';
export { buildCharts, focusPoint, type Chart } from './specs.js';
export { resultsTable, describeComparison, paramsLabel } from './text.js';
export { readResults, serializeResults, summarised, writeOutputs, type WriteOptions } from './io.js';
export { flattenMetrics, metricAt, metricDirection, headlineMetrics, fmt, type Direction } from './metrics.js';
