/**
 * Writing one copy of a vault safely: keep the old file (PATH.bak for the
 * local copy, a generation in .stickvault/backups/VAULTID/ on a stick),
 * write temp → fsync → rename → fsync dir, then read the file back and
 * check it (same hash, a readable header) before the caller moves on to the
 * next copy. Any failure leaves the old file in place and readable. On a
 * stick every step goes through StickFs: nothing is followed out of it, and
 * cleaning up deletes only regular files with our own names.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { StvError, VaultChangedError } from '../errors/index.js';
import { Vault, acquireWriteLock, readVaultFile, removeStaleTemps, sameDigest, saveVaultFile, sha256Hex, type FileStamp } from '../vault/index.js';
import { StickFs } from './confined.js';
import { STICK_VAULT_LIMIT } from './sticks.js';

export const DEFAULT_GENERATIONS = 5;

/** How long a copy's write lock held by a live writer is waited for. */
const LOCK_WAIT_MS = 2_000;

/** `20261125T034700Z`: sortable, and legal on FAT (no colons). */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

const GENERATION = /^\d{8}T\d{6}Z-[0-9a-f]{12}\.kdbx$/;

/**
 * Copy the current file into the stick's generations dir `dir`, keeping at
 * most `keep` (oldest go first, before the new one is written). Only
 * regular files named like a generation count and are ever deleted.
 */
export function keepGeneration(fs: StickFs, dir: string, bytes: Uint8Array, sha: string, keep: number, now = new Date()): void {
  if (keep <= 0) return;
  fs.dirs(dir, true);
  const existing = fs.list(dir).filter((f) => GENERATION.test(f) && fs.lstat(join(dir, f))?.isFile()).sort();
  if (existing.some((f) => f.endsWith(`-${sha.slice(0, 12)}.kdbx`))) return; // this content is kept already
  for (const old of existing.slice(0, Math.max(0, existing.length - (keep - 1)))) fs.removeFile(join(dir, old));
  fs.write(join(dir, `${stamp(now)}-${sha.slice(0, 12)}.kdbx`), bytes);
}

export interface WriteCopyOptions {
  bytes: Uint8Array;
  sha256: string;
  /** What the file looked like when read; undefined when it does not exist yet. */
  expected?: FileStamp;
  oldBytes?: Uint8Array;
}

export interface StickWriteOptions extends WriteCopyOptions {
  /** Where old generations go, relative to the stick's root. */
  generationsDir: string;
  generations?: number;
}

/** The local working copy: saveVaultFile keeps PATH.bak. */
export async function writeLocalCopy(path: string, o: WriteCopyOptions): Promise<void> {
  if (!o.expected) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const release = acquireWriteLock(path, LOCK_WAIT_MS);
  try {
    removeStaleTemps(path);
    saveVaultFile(path, o.bytes, { expected: o.expected, backup: true });
    checkReadBack(path, readVaultFile(path).bytes, o.sha256);
  } finally {
    release();
  }
}

/** A copy on a stick, at `rel` from its root. */
export async function writeStickCopy(fs: StickFs, rel: string, o: StickWriteOptions): Promise<void> {
  const abs = fs.path(rel);
  fs.dirs(dirname(normalize(rel)), !o.expected);
  const release = acquireWriteLock(abs, LOCK_WAIT_MS);
  try {
    removeStickTemps(fs, rel);
    if (!unchangedOnStick(fs, rel, o.expected)) throw new VaultChangedError(`${abs} changed on disk since it was read`);
    if (o.oldBytes && o.expected) keepGeneration(fs, o.generationsDir, o.oldBytes, o.expected.sha256, o.generations ?? DEFAULT_GENERATIONS);
    fs.write(rel, o.bytes);
    checkReadBack(abs, fs.read(rel, STICK_VAULT_LIMIT, 'vault copy'), o.sha256);
  } finally {
    release();
  }
}

/** Whether the file is still what was read (or still absent), looked at without following anything. */
function unchangedOnStick(fs: StickFs, rel: string, expected: FileStamp | undefined): boolean {
  const st = fs.lstat(rel);
  if (!expected) return !st;
  if (!st?.isFile() || st.size !== expected.size) return false;
  if (st.mtimeMs === expected.mtimeMs) return true;
  return sameDigest(sha256Hex(fs.read(rel, STICK_VAULT_LIMIT, 'vault copy')), expected.sha256);
}

/** Temp files of writes killed before their rename (ours: `.NAME.<12 hex>.tmp`); only regular files. Call while holding the lock. */
function removeStickTemps(fs: StickFs, rel: string): void {
  const dir = dirname(normalize(rel));
  const name = basename(rel).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ours = new RegExp(`^\\.${name}\\.[0-9a-f]{12}\\.tmp$`);
  for (const f of fs.list(dir)) if (ours.test(f)) fs.removeFile(join(dir, f));
}

/** The copy reads back as the bytes written (the content itself was proven to open before any copy was written). */
function checkReadBack(path: string, back: Uint8Array, sha: string): void {
  if (!sameDigest(sha256Hex(back), sha)) throw new StvError(`${path} does not read back as written; the stick may be failing`);
  Vault.header(back);
}
