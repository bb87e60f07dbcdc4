export * from './ops.js';
export * from './model.js';
export * from './transfer.js';
export * from './diffusion-parts.js';
export * from './host.js';
