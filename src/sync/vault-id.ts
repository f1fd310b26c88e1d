/**
 * Which vault a file is: a random id kept in the vault's own Meta CustomData
 * (`stickvault.vault-id`), created on first use. KeePassXC keeps Meta
 * CustomData it does not know, so the id survives its edits. Two files with
 * different ids are never merged into each other.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../vault/index.js';

export const VAULT_ID_KEY = 'stickvault.vault-id';

export function vaultIdOf(db: Database): string | undefined {
  return db.getCustomData(VAULT_ID_KEY) || undefined;
}

/** The vault's id, creating one if it has none. `created` says whether the database changed. */
export function ensureVaultId(db: Database): { id: string; created: boolean } {
  const id = vaultIdOf(db);
  if (id) return { id, created: false };
  const fresh = randomUUID();
  db.setCustomData(VAULT_ID_KEY, fresh);
  return { id: fresh, created: true };
}
