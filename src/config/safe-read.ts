/**
 * Reading a file that someone else may have prepared (a stick, an import, a
 * keyfile, a sidecar): never through a symlink unless asked, only a regular
 * file (a FIFO would hang, /dev/zero would never end), and never more than
 * a bound, checked before anything is allocated.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { StvError } from '../errors/index.js';

export type SafeReadProblem = 'missing' | 'symlink' | 'not-regular' | 'too-large' | 'denied' | 'io';

/** Why a file was refused; `problem` lets the caller choose the exit code (usage for a flag, corrupt for a vault). */
export class SafeReadError extends StvError {
  constructor(readonly path: string, readonly problem: SafeReadProblem, message: string) {
    super(message);
  }
}

export interface SafeReadOptions {
  /** Refuse a file larger than this many bytes. */
  maxBytes: number;
  /** Follow a symlink at the last component (a path the user typed); default false. */
  follow?: boolean;
  /** How the message names the file ("keyfile", "password file"); default "file". */
  what?: string;
}

const mib = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MiB` : `${n} bytes`);

/** Open for reading; O_NONBLOCK so that opening a FIFO with no writer returns at once instead of hanging. */
export function openForRead(path: string, o: { follow?: boolean; what?: string } = {}): { fd: number; stat: Stats } {
  const what = o.what ?? 'file';
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (o.follow ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    throw refusal(path, what, e);
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new SafeReadError(path, 'not-regular', `${what} ${path} is not a regular file (${kindOf(stat)}); refusing to read it`);
  }
  return { fd, stat };
}

/** The whole file, at most `maxBytes`; throws SafeReadError. */
export function readRegularFile(path: string, o: SafeReadOptions): Buffer {
  const what = o.what ?? 'file';
  const { fd, stat } = openForRead(path, o);
  try {
    if (stat.size > o.maxBytes) throw new SafeReadError(path, 'too-large', `${what} ${path} is ${mib(stat.size)}, more than the ${mib(o.maxBytes)} allowed`);
    // One byte more than allowed tells a file that grows while it is read.
    const buf = Buffer.allocUnsafe(Math.min(stat.size, o.maxBytes) + 1);
    let off = 0;
    for (;;) {
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n === 0) break;
      off += n;
      if (off === buf.length) {
        if (off > o.maxBytes) throw new SafeReadError(path, 'too-large', `${what} ${path} grew past the ${mib(o.maxBytes)} allowed while it was read`);
        break;
      }
    }
    return buf.subarray(0, off);
  } catch (e) {
    if (e instanceof SafeReadError) throw e;
    throw refusal(path, what, e);
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

function refusal(path: string, what: string, e: unknown): SafeReadError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new SafeReadError(path, 'missing', `${what} ${path} does not exist`);
  if (code === 'ELOOP') return new SafeReadError(path, 'symlink', `${what} ${path} is a symbolic link; refusing to follow it`);
  if (code === 'EACCES' || code === 'EPERM') return new SafeReadError(path, 'denied', `cannot read ${what} ${path}: permission denied`);
  if (code === 'EISDIR') return new SafeReadError(path, 'not-regular', `${what} ${path} is a directory`);
  return new SafeReadError(path, 'io', `cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
}
