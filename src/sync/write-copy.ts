/**
 * Writing one copy of a vault safely: keep the old file as a backup
 * generation, write temp → fsync → rename → fsync dir (saveVaultFile), then
 * read the file back and check it (same hash, a readable header)
 * before the caller moves on to the next copy. Any failure leaves the old
 * file in place and readable.
 */
import { readdirSync, readFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StvError } from '../errors/index.js';
import { writeFileAtomic } from '../config/index.js';
import { Vault, acquireWriteLock, removeStaleTemps, sameDigest, saveVaultFile, sha256Hex, type FileStamp } from '../vault/index.js';

export const DEFAULT_GENERATIONS = 5;

/** `20261125T034700Z`: sortable, and legal on FAT (no colons). */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Copy the current file into `dir`, keeping at most `keep` generations (oldest go first, before the new one is written). */
export function keepGeneration(dir: string, bytes: Uint8Array, sha: string, keep: number, now = new Date()): void {
  if (keep <= 0) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${stamp(now)}-${sha.slice(0, 12)}.kdbx`;
  const existing = readdirSync(dir).filter((f) => /^\d{8}T\d{6}Z-[0-9a-f]{12}\.kdbx$/.test(f)).sort();
  if (existing.some((f) => f.endsWith(`-${sha.slice(0, 12)}.kdbx`))) return; // this content is kept already
  for (const old of existing.slice(0, Math.max(0, existing.length - (keep - 1)))) unlinkSync(join(dir, old));
  writeFileAtomic(join(dir, name), bytes);
}

export interface WriteCopyOptions {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  /** What the file looked like when read; undefined when it does not exist yet. */
  expected?: FileStamp;
  oldBytes?: Uint8Array;
  /** Where old generations go (undefined = only PATH.bak, as for the local copy). */
  generationsDir?: string;
  generations?: number;
  /** Create the directories leading to a copy that does not exist yet. */
  createDirs?: boolean;
}

export async function writeCopy(o: WriteCopyOptions): Promise<FileStamp> {
  if (o.createDirs) mkdirSync(dirname(o.path), { recursive: true, mode: 0o700 });
  const release = acquireWriteLock(o.path, 2_000);
  try {
    removeStaleTemps(o.path);
    if (o.generationsDir && o.oldBytes && o.expected) keepGeneration(o.generationsDir, o.oldBytes, o.expected.sha256, o.generations ?? DEFAULT_GENERATIONS);
    const written = saveVaultFile(o.path, o.bytes, { expected: o.expected, backup: !o.generationsDir });
    verifyCopy(o.path, o.sha256);
    return written;
  } finally {
    release();
  }
}

/** The copy reads back as the bytes written (the content itself was proven to open once, before any copy was written). */
export function verifyCopy(path: string, sha: string): void {
  const back = readFileSync(path);
  if (!sameDigest(sha256Hex(back), sha)) throw new StvError(`${path} does not read back as written; the stick may be failing`);
  Vault.header(back);
}
