/**
 * Where the copies of one vault live and how each is read and written: the
 * local working copy (a path the user configured; its base in the private
 * state dir) and the copy on each mounted stick (everything through
 * StickFs, confined to the stick and bounded). The engine sees only CopyRef.
 */
import { join, normalize } from 'node:path';
import { ensurePrivateDir, readRegularFile, SafeReadError, stateDir, writeFileAtomic } from '../config/index.js';
import { readVaultFile, sha256Hex, VaultMissingError, type FileStamp } from '../vault/index.js';
import { StickFs } from './confined.js';
import { readLocalSidecar, readStickSidecar, writeLocalSidecar, writeStickSidecar, type Sidecar } from './sidecar.js';
import { baseOnStick, generationsOnStick, sidecarOnStick, staysOnStick, STICK_VAULT_LIMIT, vaultFileOnStick, type MountedStick } from './sticks.js';
import type { RegistryReplica } from './registry.js';
import { DEFAULT_GENERATIONS, writeLocalCopy, writeStickCopy, type WriteCopyOptions } from './write-copy.js';
import { RCLONE_PREFIX, rcloneRead, rcloneReadSmall, rcloneWrite, rcloneWriteSmall } from './rclone.js';
import { jsonText, parseJson } from './json-file.js';
import type { OldCopies } from './rotate.js';

export interface CopyFile {
  bytes: Uint8Array;
  stamp: FileStamp;
}

export interface CopyRef {
  kind: 'local' | 'stick' | 'folder' | 'rclone' | 'conflict';
  /** Stick label, folder label, or 'local'. */
  label: string;
  /** Absolute path, for messages. */
  path: string;
  stickId?: string;
  /** The copy's file; undefined when it does not exist. Throws (a one-line reason) when it cannot or must not be read. */
  read(): CopyFile | undefined;
  /** The last converged state this copy took part in, if one is there and readable. */
  readBase(): Uint8Array | undefined;
  write(o: WriteCopyOptions & { generations?: number }): Promise<void>;
  writeBase(bytes: Uint8Array): void;
  /** What the copy's sidecar says (on a stick: a hint, never proof). */
  hint(): Sidecar | undefined;
  writeSidecar(s: Omit<Sidecar, 'file'>): void;
  /** Its backup generations (sticks), for retiring copies under an old key. */
  oldCopies?: OldCopies;
  /** A conflict copy a file-sync tool left beside another copy: only read and merged in, never written. */
  conflict?: ConflictOf;
}

export interface ConflictOf {
  /** Label of the copy it lies beside. */
  beside: string;
  tool: string;
  /** Moves it into .stickvault/merged-conflicts/ (nothing there replaced); returns its new absolute path. */
  setAside(): string;
}

export const localBasePath = (vaultId: string): string => join(stateDir(), 'bases', `${vaultId.replace(/[^\w.-]/g, '_')}.base.kdbx`);

export function localCopy(path: string, vaultId: string): CopyRef {
  return {
    kind: 'local',
    label: 'local',
    path,
    read() {
      try {
        return readVaultFile(path);
      } catch (e) {
        if (e instanceof VaultMissingError) return undefined;
        throw e;
      }
    },
    ...privateBase(localBasePath(vaultId)),
    write: (o) => writeLocalCopy(path, o),
    hint: () => readLocalSidecar(path),
    writeSidecar: (s) => writeLocalSidecar(path, { ...s, file: path }),
  };
}

export function stickCopy(stick: MountedStick, vaultId: string): CopyRef {
  const file = stick.info.vaults[vaultId].file;
  const ref = { kind: 'stick' as const, label: stick.info.label, stickId: stick.info.id, path: join(stick.root, file) };
  let fs: StickFs;
  let rel: string;
  try {
    fs = new StickFs(stick.root);
    rel = vaultFileOnStick(stick.root, stick.info.vaults[vaultId]);
  } catch (e) {
    return unreachableCopy(ref, (e as Error).message);
  }
  return {
    ...ref,
    ...confinedFile(fs, rel),
    readBase: () => baseOrNone(() => fs.read(baseOnStick(vaultId), STICK_VAULT_LIMIT, 'base')),
    write: (o) => writeStickCopy(fs, rel, { ...o, generationsDir: generationsOnStick(vaultId) }),
    writeBase: (bytes) => fs.write(baseOnStick(vaultId), bytes, { createDirs: true }),
    hint: () => readStickSidecar(fs, vaultId),
    writeSidecar: (s) => writeStickSidecar(fs, { ...s, file }),
    // Its backup generations, and its base: both stay under an old key after passwd until re-encrypted or removed.
    oldCopies: generationsStore(fs, generationsOnStick(vaultId), [baseOnStick(vaultId)]),
  };
}

export const folderBasePath = (vaultId: string, replicaId: string): string => join(stateDir(), 'bases', `${vaultId.replace(/[^\w.-]/g, '_')}.${replicaId.replace(/[^\w-]/g, '_')}.base.kdbx`);

/**
 * A copy in a directory a file-sync tool keeps (a folder replica): read and
 * written like a stick's (through StickFs: the tool writes whatever other
 * devices sent), its generations in .stickvault/backups/ there; but its base
 * and sidecar stay in this machine's private state, because the tool would
 * carry them to other devices out of step with the file itself.
 */
export function folderCopy(id: string, rep: RegistryReplica): CopyRef {
  const ref = { kind: 'folder' as const, label: rep.label, path: join(rep.dir, rep.file) };
  let fs: StickFs;
  let rel: string;
  try {
    fs = new StickFs(rep.dir);
    if (!staysOnStick(rep.file)) throw new Error(`${rep.file} is not a file inside ${rep.dir}`);
    rel = normalize(rep.file);
  } catch (e) {
    return unreachableCopy(ref, (e as Error).message);
  }
  return {
    ...ref,
    ...confinedFile(fs, rel),
    ...privateBase(folderBasePath(rep.vaultId, id)),
    write: (o) => writeStickCopy(fs, rel, { ...o, generationsDir: generationsOnStick(rep.vaultId) }),
    hint: () => readLocalSidecar(fs.path(rel)),
    writeSidecar: (s) => writeLocalSidecar(fs.path(rel), { ...s, file: fs.path(rel) }),
    oldCopies: generationsStore(fs, generationsOnStick(rep.vaultId), []),
  };
}

/**
 * A copy on an rclone remote (rclone.ts): its sidecar beside it on the
 * remote (a hint), its base in this machine's private state.
 */
export function rcloneCopy(id: string, rep: RegistryReplica): CopyRef {
  const target = rep.dir.endsWith(':') ? `${rep.dir}${rep.file}` : `${rep.dir}/${rep.file}`;
  const under = (rel: string) => (rep.dir.endsWith(':') ? `${rep.dir}${rel}` : `${rep.dir}/${rel}`);
  return {
    kind: 'rclone',
    label: rep.label,
    path: `${RCLONE_PREFIX}${target}`,
    read() {
      const bytes = rcloneRead(target, STICK_VAULT_LIMIT);
      return bytes && { bytes, stamp: { size: bytes.length, mtimeMs: 0, sha256: sha256Hex(bytes) } };
    },
    ...privateBase(folderBasePath(rep.vaultId, id)),
    write: async (o) => rcloneWrite(rep.dir, rep.file, { bytes: o.bytes, sha256: o.sha256, expectedSha: o.expected?.sha256, oldBytes: o.oldBytes, generationsDir: generationsOnStick(rep.vaultId), generations: o.generations ?? DEFAULT_GENERATIONS }),
    hint() {
      const bytes = rcloneReadSmall(under(sidecarOnStick(rep.vaultId)));
      const s = bytes && parseJson<Sidecar>(Buffer.from(bytes));
      return s && s.format === 1 && s.vaultId === rep.vaultId && typeof s.sha256 === 'string' && Array.isArray(s.ancestors) ? s : undefined;
    },
    writeSidecar: (s) => rcloneWriteSmall(under(sidecarOnStick(rep.vaultId)), jsonText({ ...s, file: rep.file })),
  };
}

/** The copy a registered replica is. */
export function replicaCopy(id: string, rep: RegistryReplica): CopyRef {
  return rep.kind === 'rclone' ? rcloneCopy(id, rep) : folderCopy(id, rep);
}

/** A stick's generations dir through StickFs: regular .kdbx files only, bounded, confined to the stick. */
function generationsStore(fs: StickFs, dir: string, extra: string[]): OldCopies {
  const rel = (name: string) => (extra.includes(name) ? name : join(dir, name));
  return {
    names: () => [...fs.list(dir).filter((f) => /\.kdbx$/.test(f)), ...extra].filter((f) => fs.lstat(rel(f))?.isFile()),
    read: (name) => {
      try {
        return fs.readIfPresent(rel(name), STICK_VAULT_LIMIT, 'backup generation');
      } catch {
        return undefined;
      }
    },
    replace: (name, bytes) => fs.write(rel(name), bytes),
    remove: (name) => fs.removeFile(rel(name)),
    path: (name) => fs.path(rel(name)),
  };
}

/** A copy whose place cannot be reached (a bad root or path): every read and write fails with why; it has no base or hint. */
function unreachableCopy<R extends { path: string }>(ref: R, why: string) {
  const fail = () => {
    throw new SafeReadError(ref.path, 'io', why);
  };
  return { ...ref, read: fail, readBase: () => undefined, write: async () => fail(), writeBase: fail, hint: () => undefined, writeSidecar: fail };
}

/** A base that cannot be read is no base: the merge then runs without one, as for a first sync. */
function baseOrNone(read: () => Uint8Array): Uint8Array | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** A copy's base kept in this machine's private state (local copies and replicas: a sync tool must not carry it). */
function privateBase(path: string): Pick<CopyRef, 'readBase' | 'writeBase'> {
  return {
    readBase: () => baseOrNone(() => readRegularFile(path, { maxBytes: STICK_VAULT_LIMIT, what: 'base' })),
    writeBase(bytes) {
      ensurePrivateDir(join(stateDir(), 'bases'));
      writeFileAtomic(path, bytes);
    },
  };
}

/** The path and confined read of the vault file at `rel` in a stick or folder. */
function confinedFile(fs: StickFs, rel: string): Pick<CopyRef, 'path' | 'read'> {
  return { path: fs.path(rel), read: () => readConfined(fs, rel) };
}

/** The vault file at `rel` inside a confined root (stick or folder), with its stamp; undefined when absent. */
function readConfined(fs: StickFs, rel: string): { bytes: Uint8Array; stamp: { size: number; mtimeMs: number; sha256: string } } | undefined {
  const st = fs.lstat(rel);
  if (!st) return undefined;
  const bytes = fs.read(rel, STICK_VAULT_LIMIT, 'vault copy');
  return { bytes, stamp: { size: bytes.length, mtimeMs: st.mtimeMs, sha256: sha256Hex(bytes) } };
}
