/**
 * The sidecar beside each copy of a vault: the SHA-256 of the file as
 * stickvault last wrote it there, and hashes of that content's ancestors.
 * On a stick (.stickvault/VAULTID.state.json) it is only a hint: anyone who
 * had the stick could have written it, so it is read bounded and never
 * decides anything — what this machine trusts is in its ledger (ledger.ts).
 * The local copy's sidecar (STATEDIR/copies/<hash of its path>.state.json)
 * says which vault a file is without its key.
 */
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { ensurePrivateDir, stateDir } from '../config/index.js';
import { StickFs } from './confined.js';
import { Ledger } from './ledger.js';
import { jsonText, parseJson, readJson, writeJson } from './json-file.js';
import { readStick, sidecarOnStick, STICK_JSON_LIMIT } from './sticks.js';
import { vaultIdOf } from './vault-id.js';
import type { VaultSession } from '../vault/index.js';

export interface Sidecar {
  format: 1;
  vaultId: string;
  /** File name relative to the directory that holds the sidecar's stick (or the local path). */
  file: string;
  sha256: string;
  ancestors: string[];
  writtenAt: string;
}

export function localSidecarPath(vaultPath: string): string {
  const key = createHash('sha256').update(vaultPath).digest('hex').slice(0, 24);
  return join(stateDir(), 'copies', `${key}.state.json`);
}

function valid(s: Sidecar | undefined): Sidecar | undefined {
  if (!s || s.format !== 1 || typeof s.sha256 !== 'string' || typeof s.vaultId !== 'string' || !Array.isArray(s.ancestors)) return undefined;
  return s;
}

export function readLocalSidecar(vaultPath: string): Sidecar | undefined {
  return valid(readJson<Sidecar>(localSidecarPath(vaultPath)));
}

/** A stick's sidecar for a vault, if it is a small regular file that parses; anything else is no hint at all. */
export function readStickSidecar(fs: StickFs, vaultId: string): Sidecar | undefined {
  try {
    const s = valid(parseJson<Sidecar>(fs.read(sidecarOnStick(vaultId), STICK_JSON_LIMIT, 'sidecar')));
    return s?.vaultId === vaultId ? s : undefined;
  } catch {
    return undefined;
  }
}

export function sidecarFor(vaultId: string, file: string, sha: string, ledger: Ledger): Sidecar {
  return { format: 1, vaultId, file, sha256: sha, ancestors: ledger.ancestors(sha), writtenAt: new Date().toISOString() };
}

export function writeLocalSidecar(vaultPath: string, s: Sidecar): void {
  ensurePrivateDir(join(stateDir(), 'copies'));
  writeJson(localSidecarPath(vaultPath), s);
}

export function writeStickSidecar(fs: StickFs, s: Sidecar): void {
  fs.write(sidecarOnStick(s.vaultId), jsonText(s), { createDirs: true });
}

/**
 * After stickvault itself rewrote a vault file (e.g. `stv add` saving over
 * the content it read with the key): both contents are genuine, the new one
 * made from the old. The ledger remembers that, so the next sync can copy
 * the new version over copies of the old one without the key. A file that
 * is a stick's copy of this vault also gets the stick's sidecar.
 */
export function recordLocalSave(vaultPath: string, vaultId: string, readSha: string, writtenSha: string): void {
  const ledger = Ledger.load(vaultId);
  ledger.note(readSha, 'verified');
  if (writtenSha !== readSha) ledger.note(writtenSha, 'written', [readSha]);
  ledger.save();
  const onStick = stickHolding(vaultPath, vaultId);
  if (onStick) writeStickSidecar(onStick.fs, sidecarFor(vaultId, onStick.file, writtenSha, ledger));
  else writeLocalSidecar(vaultPath, sidecarFor(vaultId, vaultPath, writtenSha, ledger));
}

/**
 * After a command saved a vault (SessionEvents.saved): recordLocalSave for a
 * vault that has an id. The sidecar is an optimisation — without it the next
 * sync merges with the key — so failing to write it is not the save's error.
 */
export function noteSessionSave(s: VaultSession, replacedSha: string): void {
  const id = vaultIdOf(s.vault.db);
  if (!id) return;
  try {
    recordLocalSave(s.path, id, replacedSha, s.stamp.sha256);
  } catch {
    // not the save's error
  }
}

/** The stick whose stick.json names `vaultPath` as its copy of `vaultId`, looking a few directories up. */
function stickHolding(vaultPath: string, vaultId: string): { fs: StickFs; file: string } | undefined {
  let dir = dirname(resolve(vaultPath));
  for (let i = 0; i < 4; i++) {
    const ref = readStick(dir)?.vaults[vaultId];
    if (ref && resolve(dir, ref.file) === resolve(vaultPath)) {
      try {
        return { fs: new StickFs(dir), file: ref.file };
      } catch {
        return undefined;
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
