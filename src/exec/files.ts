/**
 * Where `stv exec` puts secret files: a 0700 directory per run under
 * `exec/` in the private runtime dir, on tmpfs so a value never reaches a
 * disk. When $XDG_RUNTIME_DIR is not tmpfs (or unset), /dev/shm is used
 * if it is. A run's directory is named after stv's pid, so a later stv can
 * tell a leftover (its owner is gone) from a live run.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensurePrivateDir, runtimeDir } from '../config/index.js';

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;
const RUN_DIR = /^(\d+)-[0-9a-f]{12}$/;

function inMemory(path: string): boolean {
  try {
    const t = statfsSync(path).type;
    return t === TMPFS_MAGIC || t === RAMFS_MAGIC;
  } catch {
    return false;
  }
}

export interface SecretRoot {
  dir: string;
  /** false when no tmpfs was found: the files then live on disk while the command runs. */
  inMemory: boolean;
}

/** The parent of every run's directory (created 0700). */
export function secretRoot(): SecretRoot {
  const rt = runtimeDir();
  ensurePrivateDir(rt);
  if (inMemory(rt)) return { dir: join(rt, 'exec'), inMemory: true };
  if (inMemory('/dev/shm')) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    return { dir: join('/dev/shm', `stickvault-${uid}`, 'exec'), inMemory: true };
  }
  return { dir: join(rt, 'exec'), inMemory: false };
}

/** A fresh, empty 0700 directory for this run. */
export function newRunDir(root: SecretRoot): string {
  ensurePrivateDir(root.dir);
  const dir = join(root.dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** Write a value to a new 0600 file (never over an existing one); the caller wipes `value`. */
export function writeSecretFile(path: string, value: Uint8Array): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    let off = 0;
    while (off < value.length) off += writeSync(fd, value, off, value.length - off);
  } finally {
    closeSync(fd);
  }
}

export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove the directories of runs whose stv is gone (killed before it or its watchdog could clean up). */
export function sweepLeftovers(root: SecretRoot = secretRoot()): string[] {
  let names: string[];
  try {
    names = readdirSync(root.dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = RUN_DIR.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    removeRunDir(join(root.dir, name));
    removed.push(name);
  }
  return removed;
}

/** Whether `dir` is a run directory under the root (the watchdog removes nothing else). */
export function isRunDir(dir: string, root: SecretRoot = secretRoot()): boolean {
  const rel = dir.startsWith(`${root.dir}/`) ? dir.slice(root.dir.length + 1) : '';
  return RUN_DIR.test(rel);
}
