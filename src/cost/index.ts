export * from './ops.js';
export * from './model.js';
export * from './transfer.js';
