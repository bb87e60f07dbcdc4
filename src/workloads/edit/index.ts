/**
 * The `edit` trace kind: image-editing requests (template, mask ratio) for the edit system.
 * Columns: arrival_s,request,template,mask_ratio[,steps][,width,height][,model].
 */
import type { TraceKindModule } from '../types.js';
import { editGenSchema, generateEditRows, type EditGenParams } from './generate.js';
import { inspectEditTrace } from './inspect.js';
import { readEditTrace } from './read.js';
import { EDIT_COLUMNS, type EditRow } from './row.js';
import { editHeader, editToCsv } from './write.js';

export const editTrace: TraceKindModule<EditRow, EditGenParams> = {
  kind: 'edit',
  columns: EDIT_COLUMNS,
  read: (file) => readEditTrace(file),
  genSchema: editGenSchema,
  generate: (params, seed) => generateEditRows(params, seed),
  header: editHeader,
  toCsv: editToCsv,
  inspect: inspectEditTrace,
};

export type { EditRow } from './row.js';
export { EDIT_COLUMNS } from './row.js';
export { editGenSchema, editGenObject, generateEditRows, type EditGenParams } from './generate.js';
export { readEditTrace } from './read.js';
export { inspectEditTrace, zipfExponent } from './inspect.js';
export { editHeader, editToCsv } from './write.js';
export { EDIT_MODEL_DEFAULTS, EDIT_MODEL_NAMES, type EditModelName, type EditModelDefaults } from './models.js';
