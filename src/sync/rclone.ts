/**
 * A copy on any rclone remote (SFTP, WebDAV, S3, Google Drive, …):
 * `rclone:REMOTE:PATH/personal.kdbx`. Read with `rclone cat` (bounded);
 * written with `rclone rcat` to a temp name beside it, the temp read back,
 * then `rclone moveto` over the file and the file read back — so an upload
 * cut off (a server gone, a network down) never leaves the remote file half
 * written, only a temp that the next write removes. The old file is kept
 * first as a generation in .stickvault/backups/VAULTID/ on the remote; the
 * sidecar (a hint, as on a stick) lies in .stickvault/ beside it; the base
 * stays in this machine's private state. rclone is optional: without it the
 * copy fails with an install hint and every other copy still syncs. Nothing
 * secret is passed to rclone (argv or environment): its own config, with
 * the remote's credentials, is the user's business.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { StvError, UsageError, VaultChangedError } from '../errors/index.js';
import { Vault, sameDigest, sha256Hex } from '../vault/index.js';
import { STICK_JSON_LIMIT, STICK_VAULT_LIMIT } from './sticks.js';

export const RCLONE_PREFIX = 'rclone:';
const INSTALL_HINT = 'rclone is not installed: install it (Debian/Ubuntu: apt install rclone; elsewhere https://rclone.org/install/) to sync this copy';
/** Bounded waits: a server that hangs fails this copy, not the whole sync. */
const FLAGS = ['--contimeout', '10s', '--timeout', '30s', '--low-level-retries', '2', '--retries', '1'];
const TIMEOUT_MS = 300_000;

/** `REMOTE:PATH/file.kdbx` split into the remote directory and the file name; refuses what rclone could read as an option. */
export function parseRcloneLocation(location: string): { dir: string; file: string } {
  const spec = location.startsWith(RCLONE_PREFIX) ? location.slice(RCLONE_PREFIX.length) : location;
  const m = /^([A-Za-z0-9_][A-Za-z0-9_. -]{0,63}):(.*)$/.exec(spec);
  if (!m || /[\p{Cc}]/u.test(spec)) throw new UsageError(`'${location}' is not an rclone location; give rclone:REMOTE:PATH/FILE.kdbx (REMOTE as in 'rclone listremotes')`);
  const path = m[2].replace(/\/+$/, '');
  const slash = path.lastIndexOf('/');
  const file = path.slice(slash + 1);
  if (!/\.kdbx$/i.test(file) || file.startsWith('.') || path.split('/').some((p) => p === '..')) {
    throw new UsageError(`'${location}' must name a .kdbx file on the remote, e.g. rclone:${m[1]}:vaults/personal.kdbx`);
  }
  return { dir: `${m[1]}:${slash >= 0 ? path.slice(0, slash) : ''}`, file };
}

const join = (dir: string, name: string) => (dir.endsWith(':') ? `${dir}${name}` : `${dir}/${name}`);

interface Run {
  status: number;
  stdout: Buffer;
  stderr: string;
}

function rclone(args: string[], o: { input?: Uint8Array; maxBytes?: number } = {}): Run {
  const r = spawnSync('rclone', [...FLAGS, ...args], { input: o.input, maxBuffer: (o.maxBytes ?? 1024 * 1024) + 1, timeout: TIMEOUT_MS, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StvError(INSTALL_HINT);
    if (code === 'ENOBUFS') throw new StvError(`${args.at(-1)} is larger than ${o.maxBytes} bytes; not read`);
    if (code === 'ETIMEDOUT') throw new StvError(`rclone ${args[0]} ${args.at(-1)} did not finish in ${TIMEOUT_MS / 1000} s`);
    throw r.error;
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** rclone's last error line, on one line, for a report. */
const why = (r: Run) => (r.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.status}`).replace(/^\S+ \S+ (ERROR|NOTICE|CRITICAL)?\s*:?\s*/, '').slice(0, 300);

/** The file's bytes, or undefined when it (or its directory) does not exist (rclone exit 3 or 4). */
export function rcloneRead(path: string, maxBytes: number): Uint8Array | undefined {
  const r = rclone(['cat', '--', path], { maxBytes });
  if (r.status === 0) return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
  if (r.status === 3 || r.status === 4) return undefined;
  throw new StvError(`${RCLONE_PREFIX}${path} cannot be read: ${why(r)}`);
}

function must(r: Run, what: string): void {
  if (r.status !== 0) throw new StvError(`${what}: ${why(r)}; the remote file is as it was`);
}

export interface RemoteWrite {
  bytes: Uint8Array;
  sha256: string;
  expectedSha?: string;
  oldBytes?: Uint8Array;
  generationsDir: string;
  generations: number;
}

/** Writes `bytes` to `dir/file` on the remote without ever leaving it half written (see the top of this file). */
export function rcloneWrite(dir: string, file: string, o: RemoteWrite): void {
  const target = join(dir, file);
  removeOurTemps(dir, file);
  const now = rcloneRead(target, STICK_VAULT_LIMIT);
  const unchanged = now ? sameDigest(sha256Hex(now), o.expectedSha) : o.expectedSha === undefined;
  if (!unchanged) throw new VaultChangedError(`${RCLONE_PREFIX}${target} changed on disk since it was read`);
  if (now && o.expectedSha && o.generations > 0) keepGeneration(dir, o.generationsDir, o.expectedSha, o.generations, target);
  const tmp = join(dir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
  must(rclone(['rcat', '--', tmp], { input: o.bytes }), `uploading to ${RCLONE_PREFIX}${tmp} failed`);
  const back = rcloneRead(tmp, STICK_VAULT_LIMIT);
  if (!back || !sameDigest(sha256Hex(back), o.sha256)) {
    rclone(['deletefile', '--', tmp]);
    throw new StvError(`${RCLONE_PREFIX}${tmp} does not read back as uploaded; the remote file is as it was`);
  }
  must(rclone(['moveto', '--', tmp, target]), `moving the upload over ${RCLONE_PREFIX}${target} failed`);
  const final = rcloneRead(target, STICK_VAULT_LIMIT);
  if (!final || !sameDigest(sha256Hex(final), o.sha256)) throw new StvError(`${RCLONE_PREFIX}${target} does not read back as written`);
  Vault.header(final);
}

/** Temp files of uploads cut off before their move (ours: `.FILE.<12 hex>.tmp`). */
function removeOurTemps(dir: string, file: string): void {
  const r = rclone(['lsf', '--files-only', '--', dir]);
  if (r.status !== 0) return; // no directory yet
  const ours = new RegExp(`^\\.${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{12}\\.tmp$`);
  for (const name of r.stdout.toString('utf8').split('\n')) if (ours.test(name)) rclone(['deletefile', '--', join(dir, name)]);
}

const GENERATION = /^\d{8}T\d{6}Z-[0-9a-f]{12}\.kdbx$/;

/** A server-side copy of the current file into the generations dir, keeping at most `keep`. */
function keepGeneration(dir: string, genDir: string, sha: string, keep: number, target: string): void {
  const gens = join(dir, genDir);
  const listed = rclone(['lsf', '--files-only', '--', gens]);
  const existing = listed.status === 0 ? listed.stdout.toString('utf8').split('\n').filter((n) => GENERATION.test(n)).sort() : [];
  if (existing.some((n) => n.endsWith(`-${sha.slice(0, 12)}.kdbx`))) return;
  for (const old of existing.slice(0, Math.max(0, existing.length - (keep - 1)))) rclone(['deletefile', '--', join(gens, old)]);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  must(rclone(['copyto', '--', target, join(gens, `${stamp}-${sha.slice(0, 12)}.kdbx`)]), `keeping the old version on ${RCLONE_PREFIX}${gens} failed`);
}

export function rcloneReadSmall(path: string): Uint8Array | undefined {
  try {
    return rcloneRead(path, STICK_JSON_LIMIT);
  } catch {
    return undefined;
  }
}

export function rcloneWriteSmall(path: string, text: string): void {
  must(rclone(['rcat', '--', path], { input: Buffer.from(text, 'utf8') }), `writing ${RCLONE_PREFIX}${path} failed`);
}
