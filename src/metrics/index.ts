export * from './summary.js';
export * from './ci.js';
export * from './recorders.js';
export * from './requests.js';
export * from './request-log.js';
export * from './types.js';
