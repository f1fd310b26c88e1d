/**
 * One sync of one vault across every copy reachable now: the local working
 * copy (when there is one) and each mounted stick that holds the vault. A
 * per-vault lock refuses a second sync at the same time; the registry
 * remembers what each stick held afterwards, for `stv stick ls`.
 */
import { join } from 'node:path';
import { SyncError } from '../errors/index.js';
import { acquireWriteLock, type Vault } from '../vault/index.js';
import { ensurePrivateDir, stateDir } from '../config/index.js';
import { syncCopies, type CopyRef, type SyncReport } from './engine.js';
import { loadRegistry, noteSync, saveRegistry, vaultRecord } from './registry.js';
import { localSidecarPath, readSidecar, stickSidecarPath } from './sidecar.js';
import { stickDir, vaultPathOnStick, type MountedStick } from './sticks.js';

export interface LocalCopy {
  path: string;
  name?: string;
}

export function copiesOf(vaultId: string, local: LocalCopy | undefined, sticks: MountedStick[]): CopyRef[] {
  const refs: CopyRef[] = [];
  if (local) refs.push({ kind: 'local', label: 'local', path: local.path, sidecarPath: localSidecarPath(local.path), sidecarFile: local.path });
  for (const { root, info } of sticks) {
    const ref = info.vaults[vaultId];
    if (!ref) continue;
    refs.push({
      kind: 'stick',
      label: info.label,
      stickId: info.id,
      path: vaultPathOnStick(root, ref),
      sidecarPath: stickSidecarPath(root, vaultId),
      sidecarFile: ref.file,
      generationsDir: join(stickDir(root), 'backups', vaultId),
    });
  }
  return refs;
}

/** The vault id of a local file as far as it is known without its key (its sidecar, or the registry). */
export function knownVaultId(path: string): string | undefined {
  const fromSidecar = readSidecar(localSidecarPath(path))?.vaultId;
  if (fromSidecar) return fromSidecar;
  const r = loadRegistry();
  return Object.entries(r.vaults).find(([, v]) => v.localPath === path)?.[0];
}

export interface RunSyncOptions {
  vaultId: string;
  local?: LocalCopy;
  sticks: MountedStick[];
  open(bytes: Uint8Array, copy: CopyRef): Promise<Vault>;
  dryRun?: boolean;
  generations?: number;
  onProgress?(what: string): void;
}

export async function runSync(o: RunSyncOptions): Promise<SyncReport> {
  ensurePrivateDir(stateDir());
  let release: () => void;
  try {
    release = acquireWriteLock(join(stateDir(), `sync-${o.vaultId}`), 0);
  } catch {
    throw new SyncError(`another stv sync of vault ${o.local?.name ?? o.vaultId} is running; try again when it has finished`);
  }
  try {
    const refs = copiesOf(o.vaultId, o.local, o.sticks);
    const report = await syncCopies(o.vaultId, refs, { open: o.open, dryRun: o.dryRun, generations: o.generations, onProgress: o.onProgress });
    if (!o.dryRun) remember(o, report);
    return report;
  } finally {
    release();
  }
}

function remember(o: RunSyncOptions, report: SyncReport): void {
  const r = loadRegistry();
  const now = new Date().toISOString();
  const v = vaultRecord(r, o.vaultId);
  if (o.local) {
    v.localPath = o.local.path;
    v.name = o.local.name ?? v.name;
  }
  if (report.sha256) noteSync(r, o.vaultId, { at: now, sha256: report.sha256, changed: report.added + report.updated + report.deleted });
  for (const stick of o.sticks) {
    const ref = stick.info.vaults[o.vaultId];
    if (!ref) continue;
    const copy = report.copies.find((c) => c.stickId === stick.info.id);
    const known = (r.sticks[stick.info.id] ??= { label: stick.info.label, lastPath: stick.root, lastSeen: now, vaults: {} });
    Object.assign(known, { label: stick.info.label, lastPath: stick.root, lastSeen: now });
    const held = (known.vaults[o.vaultId] ??= { file: ref.file });
    held.file = ref.file;
    if (copy && copy.status !== 'failed') Object.assign(held, { lastSynced: now, sha256: report.sha256 });
  }
  saveRegistry(r);
}
