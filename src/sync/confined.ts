/**
 * Files on a stick, confined to the stick. A stick is something another
 * person may have had in their hands, so nothing on it is allowed to reach
 * outside it: every directory on the way from the stick's root is checked
 * with lstat (a real directory, not a symlink), the file itself is opened
 * with O_NOFOLLOW and must be a regular file, and every read is bounded
 * (safe-read.ts). Files are written as temp + fsync + rename + fsync dir;
 * the temp is created with O_EXCL, and rename replaces a planted symlink
 * instead of writing through it. Only regular files are ever deleted.
 *
 * Node has no openat(2), so a directory could in principle be swapped for a
 * symlink between its check and the open; a stick is not being rewritten by
 * its attacker while it is mounted here, which is the case this guards.
 */
import { lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { StvError } from '../errors/index.js';
import { fsyncDir, readRegularFile, SafeReadError, writeFileAtomic } from '../config/index.js';

/** A path on a stick that would leave it, or a link, FIFO or device where a file or directory belongs. */
export class ConfinedPathError extends StvError {
  constructor(readonly path: string, message: string, readonly missing = false) {
    super(message);
  }
}

/** Whether a path given relative to a stick's root stays on the stick. */
export function staysInside(rel: string): boolean {
  if (!rel || isAbsolute(rel)) return false;
  const n = normalize(rel);
  return n !== '.' && n !== '..' && !n.startsWith(`..${sep}`) && !isAbsolute(n);
}

function kind(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a regular file';
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

export class StickFs {
  /** The stick's root, resolved once (a mount point, or a directory the user named in the config). */
  readonly root: string;

  constructor(root: string) {
    let real: string;
    try {
      real = realpathSync(root);
    } catch (e) {
      throw new ConfinedPathError(root, `${root} cannot be reached (${errno(e) ?? (e as Error).message})`);
    }
    this.root = real;
  }

  /** Absolute path of `rel` on the stick; refuses a path that would leave it. */
  path(rel: string): string {
    if (!staysInside(rel)) throw new ConfinedPathError(rel, `${rel} is not a path inside the stick at ${this.root}`);
    return join(this.root, normalize(rel));
  }

  /**
   * Checks (and with `create`, makes, mode 0700) every directory from the
   * root down to `relDir` inclusive: each must be a real directory.
   */
  dirs(relDir: string, create = false): string {
    let cur = this.root;
    checkDir(cur, lstatOrUndefined(cur));
    const n = relDir === '' || relDir === '.' ? '' : normalize(relDir);
    if (n && !staysInside(n)) throw new ConfinedPathError(relDir, `${relDir} is not a path inside the stick at ${this.root}`);
    for (const part of n ? n.split(sep).filter(Boolean) : []) {
      cur = join(cur, part);
      let st = lstatOrUndefined(cur);
      if (!st && create) {
        try {
          mkdirSync(cur, { mode: 0o700 });
        } catch (e) {
          if (errno(e) !== 'EEXIST') throw e;
        }
        st = lstatOrUndefined(cur);
      }
      if (!st) throw new ConfinedPathError(cur, `${cur} does not exist`, true);
      checkDir(cur, st);
    }
    return cur;
  }

  /** lstat of `rel` after checking the directories above it; undefined when it or a directory above it is absent. */
  lstat(rel: string): Stats | undefined {
    const abs = this.path(rel);
    try {
      this.dirs(dirname(normalize(rel)));
    } catch (e) {
      if (e instanceof ConfinedPathError && e.missing) return undefined;
      throw e;
    }
    return lstatOrUndefined(abs);
  }

  /** The whole file, at most `maxBytes` (SafeReadError: missing, symlink, not regular, too large). */
  read(rel: string, maxBytes: number, what = 'file'): Buffer {
    const abs = this.path(rel);
    try {
      this.dirs(dirname(normalize(rel)));
    } catch (e) {
      if (e instanceof ConfinedPathError && e.missing) throw new SafeReadError(abs, 'missing', `${what} ${abs} does not exist`);
      throw e;
    }
    return readRegularFile(abs, { maxBytes, what });
  }

  /** Like read(), but undefined when the file (or a directory on its way) does not exist. */
  readIfPresent(rel: string, maxBytes: number, what = 'file'): Buffer | undefined {
    try {
      return this.read(rel, maxBytes, what);
    } catch (e) {
      if (e instanceof SafeReadError && e.problem === 'missing') return undefined;
      throw e;
    }
  }

  /**
   * Writes `data` crash-safely: temp file beside the target (O_EXCL, 0600),
   * fsync, rename over the target, fsync the directory. The target may be
   * absent or a regular file; anything else there (a link, a FIFO) is
   * replaced, never written through. A directory there is refused.
   */
  write(rel: string, data: Uint8Array | string, o: { createDirs?: boolean } = {}): void {
    const abs = this.path(rel);
    const dir = this.dirs(dirname(normalize(rel)), o.createDirs);
    const st = lstatOrUndefined(abs);
    if (st?.isDirectory()) throw new ConfinedPathError(abs, `${abs} is a directory; refusing to replace it`);
    writeFileAtomic(join(dir, basename(abs)), data);
  }

  /** Names in a directory on the stick (which must be a real directory); [] when it does not exist. */
  list(relDir: string): string[] {
    try {
      const abs = this.dirs(relDir);
      return readdirSync(abs);
    } catch (e) {
      if (e instanceof ConfinedPathError && e.missing) return [];
      throw e;
    }
  }

  /** Deletes `rel` if it is a regular file; anything else (a link, a directory, a FIFO) is left alone. Returns whether it was deleted. */
  removeFile(rel: string): boolean {
    const st = this.lstat(rel);
    if (!st?.isFile()) return false;
    try {
      unlinkSync(this.path(rel));
      return true;
    } catch {
      return false; // raced or read-only: harmless
    }
  }

  /**
   * Moves the regular file `rel` into the directory `relDir` (made if needed),
   * under its own name or, when that is taken, with a counter: nothing there is
   * ever replaced. Returns the new path relative to the root.
   */
  moveInto(rel: string, relDir: string): string {
    const st = this.lstat(rel);
    if (!st?.isFile()) throw new ConfinedPathError(this.path(rel), `${this.path(rel)} is ${st ? kind(st) : 'gone'}; not moved`);
    const dir = this.dirs(relDir, true);
    const name = basename(rel);
    const dot = name.lastIndexOf('.');
    for (let n = 0; n < 1000; n++) {
      const target = n === 0 ? name : dot > 0 ? `${name.slice(0, dot)}.${n}${name.slice(dot)}` : `${name}.${n}`;
      if (lstatOrUndefined(join(dir, target))) continue;
      renameSync(this.path(rel), join(dir, target));
      fsyncDir(dir);
      fsyncDir(this.dirs(dirname(normalize(rel))));
      return join(normalize(relDir), target);
    }
    throw new ConfinedPathError(dir, `${dir} has too many files named like ${name}; not moved`);
  }

  /** fsync of a directory on the stick (after a rename in it). */
  syncDir(relDir: string): void {
    fsyncDir(this.dirs(relDir));
  }
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

function checkDir(p: string, st: Stats | undefined): void {
  if (!st) throw new ConfinedPathError(p, `${p} does not exist`, true);
  if (!st.isDirectory()) throw new ConfinedPathError(p, `${p} is ${kind(st)}, not a directory; refusing to follow it`);
}
