/**
 * What the agent process runs on unlocked vaults: the vault cache and the
 * queries (also run in the CLI process when no agent holds the key). Apart
 * from src/agent so that a client asking the agent loads none of the vault code.
 */
export { runQuery, fieldOf } from './queries.js';
export { runAgent } from './host.js';
