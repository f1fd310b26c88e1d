/**
 * The sidecar beside each copy of a vault: the SHA-256 of the file as
 * stickvault last wrote it, and the hashes of that content's recent
 * ancestors. A copy whose file still has the recorded hash and whose
 * ancestors include every other copy's hash is a strict descendant of them
 * and may be copied over them without the key. Timestamps are never used.
 * A copy changed by another program (KeePassXC) no longer matches its
 * sidecar, so its ancestry is unknown and it takes part in a real merge.
 *
 * Stick copies: MOUNT/.stickvault/VAULTID.state.json. The local working
 * copy: STATEDIR/copies/<hash of its path>.state.json.
 */
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { readStick } from './sticks.js';
import { ensurePrivateDir, stateDir } from '../config/index.js';
import { readJson, writeJson } from './json-file.js';
import { sameDigest } from '../vault/index.js';

/** How many ancestor hashes a sidecar remembers (newest first). */
export const ANCESTOR_LIMIT = 200;

export interface Sidecar {
  format: 1;
  vaultId: string;
  /** File name relative to the directory that holds the sidecar's stick (or the local path). */
  file: string;
  sha256: string;
  ancestors: string[];
  writtenAt: string;
}

export function stickSidecarPath(stickRoot: string, vaultId: string): string {
  return join(stickRoot, '.stickvault', `${vaultId}.state.json`);
}

export function localSidecarPath(vaultPath: string): string {
  const key = createHash('sha256').update(vaultPath).digest('hex').slice(0, 24);
  return join(stateDir(), 'copies', `${key}.state.json`);
}

export function readSidecar(path: string): Sidecar | undefined {
  const s = readJson<Sidecar>(path);
  if (!s || s.format !== 1 || typeof s.sha256 !== 'string' || !Array.isArray(s.ancestors)) return undefined;
  return s;
}

export function writeSidecar(path: string, s: Sidecar, privateDir = false): void {
  if (privateDir) ensurePrivateDir(join(path, '..'));
  writeJson(path, s);
}

/** What a copy's content is known to descend from: itself and its ancestors, when the sidecar still describes the file. */
export function knownLineage(fileSha: string, sidecar: Sidecar | undefined): string[] {
  if (!sidecar || !sameDigest(sidecar.sha256, fileSha)) return [fileSha];
  return [fileSha, ...sidecar.ancestors];
}

/** Ancestors of a new version made from `parents` (each a lineage, newest first), without duplicates, bounded. */
export function lineageOf(parents: string[][], self: string): string[] {
  const out: string[] = [];
  const seen = new Set([self]);
  // Interleave so each parent's most recent ancestors survive the bound.
  for (let i = 0; out.length < ANCESTOR_LIMIT; i++) {
    let any = false;
    for (const p of parents) {
      if (i >= p.length) continue;
      any = true;
      if (!seen.has(p[i])) {
        seen.add(p[i]);
        out.push(p[i]);
      }
    }
    if (!any) break;
  }
  return out.slice(0, ANCESTOR_LIMIT);
}

/**
 * After stickvault itself rewrote a vault file (e.g. `stv add` saving over
 * the content it read): record the new file as a descendant of the old, so
 * the next sync can fast-forward the other copies without the key. A file
 * that is a stick's copy of this vault gets the stick's own sidecar.
 */
export function recordLocalSave(vaultPath: string, vaultId: string, readSha: string, writtenSha: string): void {
  const onStick = stickHolding(vaultPath, vaultId);
  const path = onStick ? stickSidecarPath(onStick.root, vaultId) : localSidecarPath(vaultPath);
  const before = readSidecar(path);
  writeSidecar(path, {
    format: 1,
    vaultId,
    file: onStick ? onStick.file : vaultPath,
    sha256: writtenSha,
    ancestors: lineageOf([knownLineage(readSha, before?.vaultId === vaultId ? before : undefined)], writtenSha),
    writtenAt: new Date().toISOString(),
  }, !onStick);
}

/** The stick whose stick.json names `vaultPath` as its copy of `vaultId`, looking a few directories up. */
function stickHolding(vaultPath: string, vaultId: string): { root: string; file: string } | undefined {
  let dir = dirname(resolve(vaultPath));
  for (let i = 0; i < 4; i++) {
    const info = readStick(dir);
    const ref = info?.vaults[vaultId];
    if (ref && resolve(dir, ref.file) === resolve(vaultPath)) return { root: dir, file: ref.file };
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
