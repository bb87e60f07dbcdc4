/** Calibration from end-to-end measurements (`servesim fit`) and the published-table reproductions. */
export { kendallPairs, kendallTau, type KendallPairs } from './kendall.js';
export { levenbergMarquardt, type Bound, type LmOptions, type LmResult } from './optimize.js';
export { parseMeasured, readMeasured, type MeasuredRow, type MeasuredTable } from './measured.js';
export { metricValue, scenarioEvaluator, type Evaluate } from './evaluate.js';
export { fitMeasured, type FitOptions, type FitReport, type FreeParam, type FittedParam, type RowResult } from './fit.js';
export { parseFree, selectRows } from './free.js';
export { overlaySets, overlayYaml, readOverlay, type Overlay } from './overlay.js';
