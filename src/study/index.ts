/** Helpers for what-if studies: knees, crossings, text tables and charts (public surface). */
export { knee, reach, type Knee, type KneeOptions } from './knee.js';
export { crossings, type Crossing } from './crossings.js';
export { textTable, type Column } from './table.js';
export { lineSpec, chartSvg, chartBundle, VEGALITE_MIME, type LineSpecOptions, type Mark, type Spec } from './charts.js';
