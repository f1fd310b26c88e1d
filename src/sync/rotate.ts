/**
 * Old-key copies after a key change (`stv passwd`, `stv passwd --rekey`).
 *
 * stickvault keeps the KDF salt across saves, so every file written between
 * two key changes has the same KDF fingerprint (salt + parameters), and a
 * key change gives a new one. A file whose fingerprint was retired by a key
 * change was therefore encrypted with an old key: the old password (or a
 * leaked derived key) still opens it. `PATH.bak` and the backup generations
 * on sticks are such files.
 *
 * At the key change, stv holds the old derived key: files it opens are
 * re-encrypted with the new key (same content); files under keys retired
 * earlier are removed. Sticks not mounted then are handled when they are
 * next synced (`afterStickSync`, called by the sync engine), key-less: their
 * files under retired keys are removed. Files with a fingerprint stv has
 * never retired (written by KeePassXC, which renews the salt on every save,
 * or before stv kept this record) are left and reported as remaining.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile, stateDir, writeFileAtomic, ensurePrivateDir } from '../config/index.js';
import { Vault, kdfFingerprint, type DerivedKey } from '../vault/index.js';
import { copiesOf } from './run.js';
import { localBasePath } from './copies.js';
import { sticksHolding } from './admin.js';
import { vaultIdOf } from './vault-id.js';
import { readJson, writeJson } from './json-file.js';

/** Old copies of a vault kept somewhere (a stick's backup generations, PATH.bak), read and changed only through this. */
export interface OldCopies {
  /** Names of the regular files it holds. */
  names(): string[];
  /** The file's bytes (bounded); undefined when it cannot be read. */
  read(name: string): Uint8Array | undefined;
  replace(name: string, bytes: Uint8Array): void;
  /** Whether it was removed. */
  remove(name: string): boolean;
  /** For the report. */
  path(name: string): string;
}

const FILE_LIMIT = 1024 * 1024 * 1024;

/** PATH.bak as an OldCopies (a regular file only, never through a symlink). */
export function backupFile(bak: string): OldCopies {
  return {
    names: () => {
      try {
        return lstatSync(bak).isFile() ? [bak] : [];
      } catch {
        return [];
      }
    },
    read: (name) => {
      try {
        return readRegularFile(name, { maxBytes: FILE_LIMIT });
      } catch {
        return undefined;
      }
    },
    replace: (name, bytes) => writeFileAtomic(name, bytes),
    remove: (name) => {
      try {
        unlinkSync(name);
        return true;
      } catch {
        return false;
      }
    },
    path: (name) => name,
  };
}

interface RotationState {
  format: 1;
  /** Vault id → KDF fingerprints retired by key changes on this machine. */
  retired: Record<string, string[]>;
}

const statePath = () => join(stateDir(), 'rotations.json');

function loadState(): RotationState {
  const s = readJson<RotationState>(statePath());
  return s && s.format === 1 && typeof s.retired === 'object' && s.retired !== null ? s : { format: 1, retired: {} };
}

/** Remember that `fingerprint` no longer belongs to the vault's key. */
export function retireFingerprint(vaultId: string, fingerprint: string): void {
  const s = loadState();
  const list = (s.retired[vaultId] ??= []);
  if (!list.includes(fingerprint)) list.push(fingerprint);
  ensurePrivateDir(stateDir());
  writeJson(statePath(), s);
}

export function retiredFingerprints(vaultId: string): Set<string> {
  return new Set(loadState().retired[vaultId] ?? []);
}

export interface RotationReport {
  reencrypted: string[];
  removed: string[];
  /** Files under a key stv cannot tell is old (or that it could not read): left as they are. */
  remaining: string[];
}

const emptyReport = (): RotationReport => ({ reencrypted: [], removed: [], remaining: [] });

/** The KDF fingerprint in a file's header; undefined when it is no KDBX file we can read. */
function fingerprintOf(bytes: Uint8Array): string | undefined {
  try {
    return kdfFingerprint(Vault.header(bytes).kdf);
  } catch {
    return undefined;
  }
}

export interface RotateOptions {
  vaultId: string;
  /** The vault's fingerprint now (files with it need nothing). */
  current: string;
  /** With the old key at hand: the file's bytes re-encrypted with the new key, or undefined when the old key does not open it. */
  reencrypt?: (bytes: Uint8Array) => Promise<Uint8Array | undefined>;
}

/** Re-encrypt or remove each old copy that is under an old key; say what was done and what remains. */
export async function rotateFiles(store: OldCopies, o: RotateOptions): Promise<RotationReport> {
  const report = emptyReport();
  const retired = retiredFingerprints(o.vaultId);
  for (const name of store.names()) {
    const path = store.path(name);
    const bytes = store.read(name);
    const fp = bytes && fingerprintOf(bytes);
    if (fp === o.current) continue;
    if (fp !== undefined && o.reencrypt) {
      const again = await o.reencrypt(bytes!).catch(() => undefined);
      if (again) {
        try {
          store.replace(name, again);
          report.reencrypted.push(path);
          continue;
        } catch {
          // fall through: removed if its key was retired, else reported as remaining
        }
      }
    }
    if (fp !== undefined && retired.has(fp) && store.remove(name)) report.removed.push(path);
    else report.remaining.push(path);
  }
  return report;
}

/**
 * The sync engine's hook, after a stick's copy of `vaultId` is current: its
 * backup generations under keys retired on this machine are removed (the
 * sync may run without the key, so they cannot be re-encrypted here).
 */
export async function afterStickSync(vaultId: string, generations: OldCopies, currentFile: Uint8Array): Promise<RotationReport> {
  if (!retiredFingerprints(vaultId).size) return emptyReport();
  return rotateFiles(generations, { vaultId, current: kdfFingerprint(Vault.header(currentFile).kdf) });
}

/** A line for a sync report, or undefined when nothing was removed. */
export function describeRotation(r: RotationReport): string | undefined {
  return r.removed.length ? `removed ${r.removed.length} backup generation(s) under a retired key` : undefined;
}

export interface KeyChangeReport {
  /** PATH.bak, when there is one. */
  bak: RotationReport;
  /** Each mounted stick (or folder copy) that holds the vault: its backup generations. */
  sticks: { label: string; report: RotationReport }[];
  /** Mounted sticks holding the vault: their current copy has the old key until the next sync. */
  mounted: string[];
  /** Known sticks holding the vault that are not mounted: handled at their next sync. */
  unmounted: string[];
}

export interface KeyChangeOptions {
  /** The local vault file, just saved with the new key. */
  path: string;
  /** The key before the change (the caller wipes it). */
  oldKey: DerivedKey;
  /** The vault, holding the new key. */
  vault: Vault;
  /** Where else sticks are looked for (the config's stickPaths). */
  stickPaths: string[];
}

/**
 * After a key change: retire the old fingerprint, then re-encrypt with the
 * new key what the old key opens (PATH.bak, the backup generations on the
 * mounted sticks that hold the vault) and remove what keys retired earlier
 * encrypted.
 */
export async function rotateAfterKeyChange(o: KeyChangeOptions): Promise<KeyChangeReport> {
  const vaultId = vaultIdOf(o.vault.db);
  const holding = vaultId ? sticksHolding(vaultId, o.stickPaths) : { mounted: [], unmounted: [] };
  if (vaultId) retireFingerprint(vaultId, o.oldKey.kdfFingerprint);
  const current = kdfFingerprint(o.vault.settings.kdf);
  const reencrypt = async (bytes: Uint8Array): Promise<Uint8Array | undefined> => {
    let old: Vault;
    try {
      old = await Vault.open(bytes, o.oldKey);
    } catch {
      return undefined; // another key: not ours to re-encrypt
    }
    try {
      old.adoptKeyOf(o.vault);
      return old.toBytes();
    } finally {
      old.close();
    }
  };
  const bak = await rotateFiles(backupFile(`${o.path}.bak`), { vaultId: vaultId ?? '', current, reencrypt });
  const sticks: KeyChangeReport['sticks'] = [];
  if (vaultId) {
    // The local base (the last converged state, sync's three-way reference) is a vault file under the old key too.
    const base = await rotateFiles(backupFile(localBasePath(vaultId)), { vaultId, current, reencrypt });
    for (const k of ['reencrypted', 'removed', 'remaining'] as const) bak[k].push(...base[k]);
    for (const ref of copiesOf(vaultId, undefined, holding.mounted)) {
      if (ref.oldCopies) sticks.push({ label: ref.label, report: await rotateFiles(ref.oldCopies, { vaultId, current, reencrypt }) });
    }
  }
  return { bak, sticks, mounted: holding.mounted.map((m) => m.info.label), unmounted: holding.unmounted };
}
