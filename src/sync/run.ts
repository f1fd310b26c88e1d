/**
 * One sync of one vault across every copy reachable now: the local working
 * copy (when there is one) and each mounted stick that holds the vault. A
 * per-vault lock refuses a second sync at the same time; the registry
 * remembers what each stick held afterwards, for `stv stick ls` and for
 * naming the sticks that hold the vault but are not mounted.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { SyncError } from '../errors/index.js';
import { acquireWriteLock, type Vault } from '../vault/index.js';
import { ensurePrivateDir, stateDir } from '../config/index.js';
import { localCopy, replicaCopy, stickCopy, type CopyRef } from './copies.js';
import { conflictCopiesBeside } from './conflict-copies.js';
import { StickFs } from './confined.js';
import { syncCopies, type AbsentStick, type SyncReport } from './engine.js';
import type { OpenHow } from './keys.js';
import { loadRegistry, noteSync, saveRegistry, staleness, vaultRecord, type Registry } from './registry.js';
import { readLocalSidecar } from './sidecar.js';
import { vaultFileOnStick, type MountedStick } from './sticks.js';

export interface LocalCopy {
  path: string;
  name?: string;
}

/**
 * Every copy of the vault reachable now: the local file, each mounted stick
 * that holds it, each folder replica; then the conflict copies a file-sync
 * tool left beside any of them (last: they are only read, and set aside once
 * the copy beside them holds the result).
 */
export function copiesOf(vaultId: string, local: LocalCopy | undefined, sticks: MountedStick[], r: Registry = loadRegistry()): CopyRef[] {
  const refs: CopyRef[] = [];
  const conflicts: CopyRef[] = [];
  // A file this machine knows as another vault is not a conflict copy of this one, whatever its name.
  const elsewhere = (path: string) => {
    const id = knownVaultId(path);
    return id !== undefined && id !== vaultId;
  };
  const beside = (root: string, rel: () => string, ref: CopyRef) => {
    try {
      conflicts.push(...conflictCopiesBeside(new StickFs(root), rel(), ref, elsewhere));
    } catch {
      // the copy itself reports what is wrong with its place
    }
  };
  if (local) {
    const ref = localCopy(local.path, vaultId);
    refs.push(ref);
    beside(dirname(resolve(local.path)), () => basename(local.path), ref);
  }
  for (const stick of sticks) {
    if (!stick.info.vaults[vaultId]) continue;
    const ref = stickCopy(stick, vaultId);
    refs.push(ref);
    beside(stick.root, () => vaultFileOnStick(stick.root, stick.info.vaults[vaultId]), ref);
  }
  for (const [id, rep] of Object.entries(r.replicas)) {
    if (rep.vaultId !== vaultId) continue;
    const ref = replicaCopy(id, rep);
    refs.push(ref);
    if (rep.kind === 'folder') beside(rep.dir, () => rep.file, ref);
  }
  return [...refs, ...conflicts];
}

/** The vault id of a local file as far as it is known without its key (its sidecar, or the registry). */
export function knownVaultId(path: string): string | undefined {
  const fromSidecar = readLocalSidecar(path)?.vaultId;
  if (fromSidecar) return fromSidecar;
  const r = loadRegistry();
  return Object.entries(r.vaults).find(([, v]) => v.localPath === path)?.[0];
}

export interface RunSyncOptions {
  vaultId: string;
  local?: LocalCopy;
  sticks: MountedStick[];
  open(bytes: Uint8Array, copy: CopyRef, how?: OpenHow): Promise<Vault>;
  prefetch?(bytes: Uint8Array): void;
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
    const report = await syncCopies(o.vaultId, refs, { open: o.open, prefetch: o.prefetch, dryRun: o.dryRun, generations: o.generations, onProgress: o.onProgress });
    const r = loadRegistry();
    if (!o.dryRun) remember(r, o, report);
    report.absent = absentSticks(r, o.vaultId, o.sticks);
    return report;
  } finally {
    release();
  }
}

function remember(r: Registry, o: RunSyncOptions, report: SyncReport): void {
  const now = new Date().toISOString();
  const v = vaultRecord(r, o.vaultId);
  if (o.local) {
    v.localPath = o.local.path;
    v.name = o.local.name ?? v.name;
  }
  if (report.sha256) noteSync(r, o.vaultId, { at: now, sha256: report.sha256, changed: report.added + report.updated + report.deleted });
  for (const rep of Object.values(r.replicas)) {
    if (rep.vaultId !== o.vaultId) continue;
    const copy = report.copies.find((c) => c.kind === rep.kind && c.label === rep.label);
    if (copy && copy.status !== 'failed') Object.assign(rep, { lastSynced: now, sha256: report.sha256 });
  }
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

/** Sticks this machine knows to hold the vault that are not mounted now, with how far behind each is. */
function absentSticks(r: Registry, vaultId: string, mounted: MountedStick[]): AbsentStick[] {
  const here = new Set(mounted.map((s) => s.info.id));
  return Object.entries(r.sticks)
    .filter(([id, s]) => !here.has(id) && s.vaults[vaultId])
    .map(([id, s]) => {
      const held = s.vaults[vaultId];
      return { label: s.label, id, lastPath: s.lastPath, lastSynced: held.lastSynced, syncsBehind: staleness(r, vaultId, held).syncsBehind };
    })
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
