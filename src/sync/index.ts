/** Multi-copy sync: merging vault copies without losing edits. */
export { mergeDatabases, type MergeReport, type Change, type Conflict } from './merge.js';
export { fingerprint, CONFLICT_TAG } from './fingerprint.js';
