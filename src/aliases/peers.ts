/**
 * What stv last saw of the other configured vaults' alias bases, so that a
 * locked vault known not to share a base address needs no warning on every
 * `alias new`. Kept in the state dir (0600): base addresses are not secrets,
 * and nothing here says which aliases exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, stateDir, writeFileAtomic } from '../config/index.js';

/** vault path → its base addresses when last seen unlocked ([] = no alias setup). */
export type KnownBases = Record<string, string[]>;

const file = () => join(stateDir(), 'alias-bases.json');

export function knownBases(): KnownBases {
  try {
    const raw = JSON.parse(readFileSync(file(), 'utf8')) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    const out: KnownBases = {};
    for (const [k, v] of Object.entries(raw)) if (Array.isArray(v) && v.every((b) => typeof b === 'string')) out[k] = v;
    return out;
  } catch {
    return {}; // missing or damaged: only an optimisation, it is rebuilt as vaults are seen
  }
}

export function rememberBases(vaultPath: string, bases: string[]): void {
  const all = knownBases();
  const sorted = [...bases].sort();
  if (JSON.stringify(all[vaultPath]) === JSON.stringify(sorted)) return;
  all[vaultPath] = sorted;
  try {
    ensurePrivateDir(stateDir());
    writeFileAtomic(file(), JSON.stringify(all, null, 2) + '\n');
  } catch {
    // A read-only state dir only costs a warning later.
  }
}
