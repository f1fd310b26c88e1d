/**
 * Who is at the other end of a unix socket: getsockopt(SO_PEERCRED) (Linux,
 * socket(7)), which the kernel fills at connect() and nobody can forge.
 * Node has no API for it, so it is called through koffi, an FFI whose npm
 * package ships prebuilt binaries (nothing compiles at install). Loaded on
 * first use: ~7 ms once per process, then ~0.05 ms per call.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17; // Linux, every architecture koffi ships for

type GetSockOpt = (fd: number, level: number, name: number, out: Partial<PeerCred>, len: number[]) => number;
let getsockopt: GetSockOpt | null | undefined;

function load(): GetSockOpt | null {
  if (getsockopt !== undefined) return getsockopt;
  getsockopt = null;
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    koffi.struct('stv_ucred', { pid: 'int32', uid: 'uint32', gid: 'uint32' }); // named in the prototype below
    getsockopt = libc.func('int getsockopt(int, int, int, _Out_ stv_ucred *, _Inout_ uint32 *)') as GetSockOpt;
  } catch {
    getsockopt = null;
  }
  return getsockopt;
}

/** Whether peer credentials can be read here (Linux with koffi's binary for this platform). */
export function peerCredSupported(): boolean {
  return load() !== null;
}

/** The credentials of the process that connected (or accepted) `sock`; undefined where they cannot be read. */
export function peerCred(sock: Socket): PeerCred | undefined {
  const fn = load();
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (!fn || typeof fd !== 'number' || fd < 0) return undefined;
  const out: Partial<PeerCred> = {};
  if (fn(fd, SOL_SOCKET, SO_PEERCRED, out, [12]) !== 0) return undefined;
  return typeof out.uid === 'number' ? (out as PeerCred) : undefined;
}

/**
 * The peer runs as our own uid. On Linux a peer whose credentials cannot be
 * read is refused (koffi is a dependency; a missing binary is a broken
 * install, not a reason to trust). Elsewhere, where SO_PEERCRED does not
 * exist, this relies on the checked 0700 runtime directory alone.
 */
export function peerIsMe(sock: Socket): boolean {
  if (typeof process.getuid !== 'function') return true;
  if (process.platform !== 'linux') return true;
  const cred = peerCred(sock);
  return cred !== undefined && cred.uid === process.getuid();
}
