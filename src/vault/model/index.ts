export * from './unmodelled.js';
export * from './times.js';
export * from './uuid.js';
export * from './entry.js';
export * from './group.js';
export * from './meta.js';
export * from './database.js';
export * from './path.js';
