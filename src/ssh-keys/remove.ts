/** Taking out again the keys stv added (stv lock, stv ssh-add -d). */
import { removeIdentity } from './agent-client.js';
import { readAddedKeys, writeAddedKeys } from './added.js';

/**
 * Remove the keys stv added for `vault` (every vault when undefined) from
 * the agents they went to. `onLock` keeps those whose KeeAgent settings
 * say not to remove them when the database closes. Returns how many were
 * removed; an agent that is gone or no longer holds a key counts as done.
 */
export async function removeAddedKeys(vault: string | undefined, o: { onLock?: boolean } = {}): Promise<number> {
  const all = readAddedKeys();
  if (!all.length) return 0;
  const chosen = (k: (typeof all)[number]) => (vault === undefined || k.vault === vault) && (!o.onLock || k.removeOnLock);
  let removed = 0;
  for (const k of all.filter(chosen)) {
    try {
      if (await removeIdentity(new Uint8Array(Buffer.from(k.publicBlob, 'base64')), k.socket)) removed++;
    } catch {
      // The agent is gone, and the key with it.
    }
  }
  writeAddedKeys(all.filter((k) => !chosen(k)));
  return removed;
}
