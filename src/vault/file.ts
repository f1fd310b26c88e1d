/**
 * Vault files on disk. Saving is crash-safe: temp file in the same directory,
 * fsync, keep the previous version as NAME.bak, rename over the target, fsync
 * the directory — at every instant the path holds the old or the new file.
 * A save refuses to overwrite a file that changed since it was read
 * (size + mtime + SHA-256), so the caller can merge instead.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, copyFileSync, constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CorruptFileError, StvError, UsageError, VaultChangedError } from '../errors/index.js';
import { fsyncDir, readRegularFile, SafeReadError } from '../config/index.js';

export interface FileStamp {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface VaultFileData {
  bytes: Uint8Array;
  stamp: FileStamp;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Two hex digests are the same, compared in constant time (false when either is missing). */
export function sameDigest(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** Larger than any vault: KDBX keeps attachments in memory, and a file this big is not one we wrote. */
export const MAX_VAULT_BYTES = 1024 * 1024 * 1024;

/**
 * A vault file: the path the user or the config names (a symlink there is
 * followed), but only a regular file — /dev/zero, /dev/urandom or a FIFO
 * would never end or hang — and bounded (exit 6).
 */
export function readVaultFile(path: string): VaultFileData {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new VaultMissingError(path);
    if (code === 'EACCES') throw new StvError(`cannot read ${path}: permission denied`);
    throw new StvError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new UsageError(`${path} is a directory, not a vault file; give the path of a .kdbx file`);
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, { maxBytes: MAX_VAULT_BYTES, follow: true, what: 'vault' });
  } catch (e) {
    if (!(e instanceof SafeReadError)) throw e;
    if (e.problem === 'missing') throw new VaultMissingError(path);
    if (e.problem === 'denied') throw new StvError(e.message);
    throw new CorruptFileError(e.message);
  }
  // The times from before the read: a change during it then shows as a new mtime, and the hash decides.
  return { bytes, stamp: { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256Hex(bytes) } };
}

export class VaultMissingError extends StvError {
  constructor(readonly path: string) {
    super(`vault not found at ${path}; create one with 'stv init --vault ${path}'`);
  }
}

/** Whether the file still is the one described by `stamp`. */
export function isUnchanged(path: string, stamp: FileStamp): boolean {
  try {
    const st = statSync(path);
    if (st.size !== stamp.size) return false;
    if (st.mtimeMs === stamp.mtimeMs) return true;
    return sameDigest(sha256Hex(readRegularFile(path, { maxBytes: MAX_VAULT_BYTES, follow: true })), stamp.sha256);
  } catch {
    return false;
  }
}

export interface SaveOptions {
  /** What the file looked like when read; absent for a new file (which must not exist). */
  expected?: FileStamp;
  /** Keep the previous version as PATH.bak (default true). */
  backup?: boolean;
}

export function saveVaultFile(path: string, bytes: Uint8Array, opts: SaveOptions = {}): FileStamp {
  const dir = dirname(path);
  if (bytes.length > MAX_VAULT_BYTES) throw new UsageError(`cannot save: the file would be ${Math.round(bytes.length / 1048576)} MiB, more than the ${MAX_VAULT_BYTES / 1048576} MiB stv reads; nothing was written`);
  if (opts.expected && !isUnchanged(path, opts.expected)) throw new VaultChangedError(`${path} changed on disk since it was opened`);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    throw new StvError(`cannot write in ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    try { unlinkSync(tmp); } catch { /* gone */ }
    const code = (e as NodeJS.ErrnoException).code;
    throw new StvError(`cannot save ${path}: ${code === 'ENOSPC' ? 'no space left on device' : code ?? (e as Error).message}; the previous file is intact`);
  }
  try {
    if (opts.expected && opts.backup !== false) keepBackup(path);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* gone */ }
    throw new StvError(`cannot save ${path}: ${(e as Error).message}; the previous file is intact`);
  }
  fsyncDir(dir);
  const st = statSync(path);
  return { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256Hex(bytes) };
}

/**
 * Removes the temp files of saves that were killed before their rename
 * (`.NAME.<hex>.tmp`, `NAME.bak.<hex>.tmp`). Call only while holding the
 * write lock: then no other stv save can own one of them.
 */
export function removeStaleTemps(path: string): void {
  const base = basename(path);
  const ours = new RegExp(`^(\\.${escapeRegExp(base)}\\.[0-9a-f]{12}|${escapeRegExp(base)}\\.bak\\.[0-9a-f]{8})\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    if (ours.test(n)) {
      try { unlinkSync(join(dirname(path), n)); } catch { /* raced or read-only: harmless */ }
    }
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** PATH.bak becomes the current file, atomically (hard link, or copy where links are unsupported). */
function keepBackup(path: string): void {
  const bak = `${path}.bak`;
  const tmp = `${bak}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    linkSync(path, tmp);
  } catch {
    copyFileSync(path, tmp);
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  }
  renameSync(tmp, bak);
  // When PATH.bak already was a link to PATH (a save killed between this step and its own rename), rename()
  // of one link onto another of the same file succeeds but removes nothing (POSIX), leaving tmp behind.
  try { unlinkSync(tmp); } catch { /* renamed away: the usual case */ }
}

/**
 * How old a lock file without a pid must be to count as stale: a live writer
 * writes its pid microseconds after creating the file; one that has none for
 * this long was killed in between.
 */
export const PIDLESS_LOCK_STALE_MS = 5_000;

/**
 * An exclusive writer lock beside the vault (PATH.lock, O_EXCL). A lock whose
 * process is gone is stale and taken over. `timeoutMs` bounds the wait for a
 * live writer; a lock without a pid is waited for until its pid comes (a
 * writer starting) or it goes stale (a writer killed in between), whatever
 * the timeout: with a short one, such a leftover failed every writer until it
 * aged (a sync's copies wait 2 s, the sync lock not at all).
 */
export function acquireWriteLock(path: string, timeoutMs = 10_000): () => void {
  const lock = `${path}.lock`;
  const deadline = Date.now() + timeoutMs;
  // Bounds the wait for a pid-less lock whose age cannot be trusted (a clock or a FAT timestamp ahead).
  const pidlessDeadline = deadline + PIDLESS_LOCK_STALE_MS + 1_000;
  for (;;) {
    try {
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        writeSync(fd, String(process.pid));
      } catch {
        // A full disk takes the file but not its pid: an empty lock left behind would look like one being made.
        closeSync(fd);
        try { unlinkSync(lock); } catch { /* gone */ }
        return () => {}; // the save itself fails next, with a clear error
      }
      closeSync(fd);
      return () => {
        try { unlinkSync(lock); } catch { /* gone */ }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return () => {}; // read-only dir: saving will fail with a clear error
      if (!isRegularFile(lock)) {
        // No writer makes its lock a link, a FIFO or a directory: something planted (a stick may carry one). Remove the entry, never its target.
        try { unlinkSync(lock); } catch { /* a directory, or raced: the next try says */ }
        if (isRegularFile(lock) || !existsOrLink(lock)) continue;
        throw new StvError(`${lock} is not a lock file stv made (not a regular file); remove it`);
      }
      const pid = Number(safeRead(lock));
      // A lock without a pid yet is being created this instant (open, then write): taking it over as
      // stale let two writers save at once and lose an edit (test/cli/concurrent-writers.test.ts).
      const hasPid = Number.isInteger(pid) && pid > 0;
      const stale = hasPid ? !pidAlive(pid) : lockAgeMs(lock) > PIDLESS_LOCK_STALE_MS;
      if (stale) {
        try { unlinkSync(lock); } catch { /* raced */ }
        continue;
      }
      if (Date.now() > (hasPid ? deadline : pidlessDeadline)) {
        throw new StvError(`${path} is locked by another stv process (${hasPid ? `pid ${pid}` : 'whose lock has no pid yet'}); try again`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

function isRegularFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}

function existsOrLink(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function lockAgeMs(p: string): number {
  try {
    return Date.now() - lstatSync(p).mtimeMs;
  } catch {
    return Infinity; // gone: nothing to wait for
  }
}

/** A lock file holds a pid: a few bytes, never through a link (a stick may plant one pointing at /dev/zero). */
function safeRead(p: string): string {
  try { return readRegularFile(p, { maxBytes: 64, what: 'lock file' }).toString('utf8'); } catch { return ''; }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Keeps the file at PATH as PATH.replaced-YYYYMMDD-HHMMSS (a hard link, or a
 * 0600 copy where links are unsupported) before something replaces it
 * wholesale (`init --force`). Unlike PATH.bak it is never rotated by a save.
 */
export function keepReplacedCopy(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  for (let n = 1; ; n++) {
    const keep = `${path}.replaced-${stamp}${n > 1 ? `-${n}` : ''}`;
    try {
      linkSync(path, keep);
      return keep;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw new StvError(`cannot keep a copy of ${path}: ${code ?? (e as Error).message}; nothing was changed`);
    }
    try {
      copyFileSync(path, keep, constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new StvError(`cannot keep a copy of ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; nothing was changed`);
    }
    chmodSync(keep, 0o600);
    const fd = openSync(keep, 'r');
    fsyncSync(fd);
    closeSync(fd);
    return keep;
  }
}
