/** KeePass 1 (.kdb) import: read a database into a plain group/entry tree. */
export { readKdb, type ReadKdbOptions } from './reader.js';
export type { KdbDatabase, KdbGroup, KdbEntry, KdbTimes } from './types.js';
export { encodeCp1252 } from './cp1252.js';
