/**
 * The per-user runtime directory that holds the agent's and the clipboard
 * helper's sockets. Without XDG_RUNTIME_DIR it lies in the shared temp dir
 * (`/tmp/stickvault-UID`), where another local user can create that path
 * first: a directory, a symlink, or a socket of their own that would receive
 * our keys. So every process checks it before it connects or listens: a real
 * directory (lstat, never through a symlink), owned by us, mode 0700 — and a
 * socket in it must be a socket owned by us. Anything else is refused, never
 * repaired: a directory someone else could write may hold their socket.
 */
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { StvError } from '../errors/index.js';
import { runtimeDir } from './paths.js';

/** The runtime directory or a socket in it is not ours: refuse to talk through it. Exit 1. `fix`: a command that repairs it. */
export class RuntimeDirError extends StvError {
  constructor(message: string, readonly fix?: string) {
    super(message);
  }
}

const myUid = (): number => (typeof process.getuid === 'function' ? process.getuid() : -1);

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RuntimeDirError(`cannot check ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const fix = (dir: string) => (process.env.XDG_RUNTIME_DIR ? `remove it` : `remove it, or set XDG_RUNTIME_DIR to a private directory`) + ` (${dir})`;

function checkDir(dir: string, st: Stats): void {
  if (st.isSymbolicLink()) throw new RuntimeDirError(`the runtime directory ${dir} is a symbolic link, which stickvault never follows; ${fix(dir)}`);
  if (!st.isDirectory()) throw new RuntimeDirError(`the runtime directory ${dir} is not a directory; ${fix(dir)}`);
  const uid = myUid();
  if (uid >= 0 && st.uid !== uid) throw new RuntimeDirError(`the runtime directory ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}); another user may be trying to receive your keys: ${fix(dir)}`);
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  // Writable by others: they may have put a socket of theirs in it, so it is not repaired but removed.
  if ((st.mode & 0o022) !== 0) throw new RuntimeDirError(`the runtime directory ${dir} has mode ${mode}, so others may have put files in it; ${fix(dir)}`, `rm -r ${dir}`);
  if ((st.mode & 0o077) !== 0) throw new RuntimeDirError(`the runtime directory ${dir} has mode ${mode}, so others can look into it; run 'chmod 700 ${dir}'`, `chmod 700 ${dir}`);
}

/**
 * The checked runtime directory. `create`: make it (mode 0700, with mkdir,
 * which never follows a symlink at its last component) when missing;
 * otherwise a missing directory gives undefined (so: no agent is running).
 */
export function privateRuntimeDir(o: { create: boolean }): string | undefined {
  const dir = runtimeDir();
  let st = lstatOrUndefined(dir);
  if (!st) {
    if (!o.create) return undefined;
    // $XDG_RUNTIME_DIR itself is the session's (pam_systemd makes it 0700); a test or a user may point it at a new path.
    if (process.env.XDG_RUNTIME_DIR) mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new RuntimeDirError(`cannot create the runtime directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    st = lstatOrUndefined(dir);
    if (!st) throw new RuntimeDirError(`the runtime directory ${dir} vanished as it was made`);
  }
  checkDir(dir, st);
  return dir;
}

/**
 * A socket in the checked runtime directory: its path when it exists and is
 * a socket we own, undefined when there is none (or no directory yet).
 */
export function ownSocket(name: string): string | undefined {
  const dir = privateRuntimeDir({ create: false });
  if (!dir) return undefined;
  const path = join(dir, name);
  const st = lstatOrUndefined(path);
  if (!st) return undefined;
  const uid = myUid();
  if (!st.isSocket()) return undefined; // a leftover file: treated as no socket, and replaced by the next listener
  if (uid >= 0 && st.uid !== uid) throw new RuntimeDirError(`${path} belongs to uid ${st.uid}, not to you (uid ${uid}); refusing to talk to it`);
  return path;
}

/** Whether ownSocket(name) finds a socket, never throwing: a guess (the launcher's), not a check before connecting. */
export function socketLooksOurs(name: string): boolean {
  try {
    return ownSocket(name) !== undefined;
  } catch {
    return false;
  }
}
