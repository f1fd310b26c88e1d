/**
 * Which vault a file is: a random id kept in the vault's own Meta CustomData
 * (`stickvault.vault-id`), created on first use. KeePassXC keeps Meta
 * CustomData it does not know, so the id survives its edits. Two files with
 * different ids are never merged into each other.
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors/index.js';
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

/**
 * Refuses to merge `theirs` into `ours` when they are two different vaults
 * (`stv merge`). A file without an id (never synced, or KeePassXC's own) may
 * be merged into any vault; `names` say which files they are.
 */
export function checkSameVault(ours: Database, theirs: Database, names: { ours: string; theirs: string }): void {
  const [ourId, theirId] = [vaultIdOf(ours), vaultIdOf(theirs)];
  if (ourId && theirId && ourId !== theirId) {
    throw new UsageError(`${names.theirs} is another vault (id ${theirId}) than ${names.ours} (id ${ourId}); copies of two different vaults are never merged`);
  }
}
