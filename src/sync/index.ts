/** Multi-copy sync: sticks, their discovery, and merging vault copies without losing edits. */
export { syncCopies, type CopyResult, type SyncReport, type AbsentStick } from './engine.js';
export { type CopyRef } from './copies.js';
export { runSync, copiesOf, knownVaultId, type LocalCopy } from './run.js';
export { initStick, listSticks, forgetStick, sticksHolding, type StickListing } from './admin.js';
export { findSticks, readMounts, parseMountinfo, type Mount } from './discovery.js';
export { readStick, stickFile, type MountedStick, type StickInfo } from './sticks.js';
export { recordLocalSave, noteSessionSave, readLocalSidecar, localSidecarPath } from './sidecar.js';
export { ensureVaultId, vaultIdOf, checkSameVault, VAULT_ID_KEY } from './vault-id.js';
export { watchSticks, watchLocalSaves, defaultWatchDirs } from './watch.js';
export { loadRegistry } from './registry.js';
export { SYNC_HELP } from './help.js';
export { rotateAfterKeyChange, afterStickSync, retireFingerprint, type KeyChangeReport, type RotationReport } from './rotate.js';
export { addReplica, listReplicas, removeReplica, type ReplicaListing } from './replicas.js';
export { conflictToolOf, conflictNames, type ConflictTool } from './conflict-names.js';
export { MERGED_CONFLICTS } from './conflict-copies.js';
export { mergeThreeWay, diffText, setupGit, gitRepoOf, type ThreeWayResult, type GitSetupReport } from './git.js';
export { syncKeys, type SyncKeys, type OpenHow } from './keys.js';
export { chooseSyncTargets, vaultIdFor, saveNeedsSync, labelOf, type SyncTarget, type TargetChoice } from './targets.js';
