/**
 * What this machine remembers about sticks and syncs (STATEDIR/sticks.json):
 * each stick's label, where it was last mounted, which vaults it held and
 * when each was last synced; per vault, the recent sync results, so
 * `stv stick ls` can say how far behind an absent stick is.
 */
import { join } from 'node:path';
import { ensurePrivateDir, stateDir } from '../config/index.js';
import { readJson, writeJson } from './json-file.js';
import { readVaultFile, sameDigest } from '../vault/index.js';

export interface RegistryStick {
  label: string;
  lastPath: string;
  lastSeen: string;
  vaults: Record<string, { file: string; lastSynced?: string; sha256?: string }>;
}

export interface RegistrySync {
  at: string;
  sha256: string;
  /** Entries added + updated + deleted by this sync, when a merge counted them. */
  changed?: number;
}

export interface RegistryVault {
  name?: string;
  localPath?: string;
  syncs: RegistrySync[];
}

/** A copy of a vault that is not on a stick: a directory a file-sync tool (Syncthing, Nextcloud, Dropbox, …) keeps, or an rclone remote. */
export interface RegistryReplica {
  kind: 'folder' | 'rclone';
  label: string;
  vaultId: string;
  /** The directory, absolute (folder), or `REMOTE:PATH` (rclone). */
  dir: string;
  /** The vault file, relative to dir. */
  file: string;
  added: string;
  lastSynced?: string;
  sha256?: string;
}

export interface Registry {
  format: 1;
  sticks: Record<string, RegistryStick>;
  vaults: Record<string, RegistryVault>;
  replicas: Record<string, RegistryReplica>;
}

const SYNCS_KEPT = 100;

export const registryPath = (): string => join(stateDir(), 'sticks.json');

export function loadRegistry(): Registry {
  const r = readJson<Registry>(registryPath());
  if (!r || r.format !== 1) return { format: 1, sticks: {}, vaults: {}, replicas: {} };
  r.sticks ??= {};
  r.vaults ??= {};
  r.replicas ??= {};
  return r;
}

export function saveRegistry(r: Registry): void {
  ensurePrivateDir(stateDir());
  writeJson(registryPath(), r);
}

export function vaultRecord(r: Registry, vaultId: string): RegistryVault {
  return (r.vaults[vaultId] ??= { syncs: [] });
}

/** Remember a vault state reached by a sync (once per distinct content). */
export function noteSync(r: Registry, vaultId: string, sync: RegistrySync): void {
  const v = vaultRecord(r, vaultId);
  if (sameDigest(v.syncs.at(-1)?.sha256, sync.sha256)) return;
  v.syncs.push(sync);
  if (v.syncs.length > SYNCS_KEPT) v.syncs.splice(0, v.syncs.length - SYNCS_KEPT);
}

export interface Staleness {
  current: boolean;
  /** Syncs of this vault since the stick last took part, when known. */
  syncsBehind?: number;
  entriesBehind?: number;
  daysSinceSync?: number;
  /** The local copy was edited since the last sync, so the stick lacks those edits too. */
  localEdits?: boolean;
  /** The stick's file is not what the last sync here left on it (edited elsewhere, or by another program). */
  changedElsewhere?: boolean;
}

export interface CopyShas {
  /** SHA-256 of the local copy now, when there is one. */
  local?: string;
  /** SHA-256 of the stick's file now, when it is mounted and readable. */
  stick?: string;
}

/** SHA-256 of the local copy now (a configured path: the user's own file), if it is there: what staleness compares. */
export function localCopySha(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readVaultFile(path).stamp.sha256;
  } catch {
    return undefined;
  }
}

export function staleness(r: Registry, vaultId: string, stickVault: { lastSynced?: string; sha256?: string }, now = Date.now(), shas: CopyShas = {}): Staleness {
  const syncs = r.vaults[vaultId]?.syncs ?? [];
  const daysSinceSync = stickVault.lastSynced ? Math.floor((now - Date.parse(stickVault.lastSynced)) / 86_400_000) : undefined;
  const latest = syncs.at(-1);
  const localEdits = shas.local !== undefined && latest !== undefined && !sameDigest(shas.local, latest.sha256) ? true : undefined;
  const changedElsewhere = shas.stick !== undefined && stickVault.sha256 !== undefined && !sameDigest(shas.stick, stickVault.sha256) && !sameDigest(shas.stick, shas.local) ? true : undefined;
  const extra = { daysSinceSync, ...(localEdits ? { localEdits } : {}), ...(changedElsewhere ? { changedElsewhere } : {}) };
  const target = shas.local ?? latest?.sha256;
  const held = shas.stick ?? stickVault.sha256;
  if (target !== undefined && sameDigest(held, target)) return { current: true, daysSinceSync };
  if (!latest || !stickVault.sha256 || sameDigest(latest.sha256, stickVault.sha256)) return { current: false, ...(latest && sameDigest(latest.sha256, stickVault.sha256) ? { syncsBehind: 0, entriesBehind: 0 } : {}), ...extra };
  const at = syncs.findLastIndex((x) => sameDigest(x.sha256, stickVault.sha256));
  if (at === -1) return { current: false, ...extra };
  const later = syncs.slice(at + 1);
  const entriesBehind = later.every((x) => x.changed !== undefined) ? later.reduce((n, x) => n + x.changed!, 0) : undefined;
  return { current: false, syncsBehind: later.length, entriesBehind, ...extra };
}
