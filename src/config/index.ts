export * from './paths.js';
export * from './fs-private.js';
export * from './config.js';
export * from './safe-read.js';
export * from './runtime-dir.js';
