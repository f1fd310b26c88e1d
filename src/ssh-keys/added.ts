/**
 * Which keys stv put into ssh-agent, so that `stv lock` can take them out
 * again: per key the vault, the agent socket, the public key blob and
 * whether to remove it on lock — public data only, never key material. In
 * the private runtime dir (0700), mode 0600.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, runtimeDir, writeFileAtomic } from '../config/index.js';

export interface AddedKey {
  vault: string;
  socket: string;
  /** base64 of the public key blob. */
  publicBlob: string;
  entry: string;
  removeOnLock: boolean;
}

export const addedKeysFile = (): string => join(runtimeDir(), 'ssh-keys.json');

export function readAddedKeys(): AddedKey[] {
  try {
    const v = JSON.parse(readFileSync(addedKeysFile(), 'utf8')) as { keys?: AddedKey[] };
    return Array.isArray(v.keys) ? v.keys.filter((k) => typeof k.publicBlob === 'string' && typeof k.socket === 'string' && typeof k.vault === 'string') : [];
  } catch {
    return [];
  }
}

export function writeAddedKeys(keys: AddedKey[]): void {
  ensurePrivateDir(runtimeDir());
  writeFileAtomic(addedKeysFile(), JSON.stringify({ keys }, null, 1) + '\n');
}

export function rememberAdded(k: AddedKey): void {
  const keys = readAddedKeys().filter((x) => !(x.publicBlob === k.publicBlob && x.socket === k.socket));
  writeAddedKeys([...keys, k]);
}
