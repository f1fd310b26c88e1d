/** add --alias / alias new: issue aliases that are unique across the user's vaults. */
import { existsSync } from 'node:fs';
import { UsageError } from '../errors/index.js';
import { assignAlias, getSetup, knownBases, listAliases, rememberBases, SETUP_KEY } from '../aliases/index.js';
import { expandPath } from '../config/index.js';
import type { Entry } from '../vault/index.js';
import { warn } from './runtime.js';
import { openIfUnlocked, type Session } from './session.js';

/**
 * Tags the other configured vaults use under a base address this vault shares,
 * read through the agent only (issuing an alias never asks for another
 * vault's password). What each vault's bases were when last seen unlocked is
 * remembered (aliases/peers.ts): a locked vault known to use none of ours is
 * skipped in silence; one that shares a base, or was never seen, is named in
 * a warning that says how to settle it.
 */
export async function otherVaultTags(s: Session): Promise<string[]> {
  const mine = getSetup(s.vault.db).bases;
  rememberBases(s.ref.path, mine);
  const known = knownBases();
  const tags: string[] = [];
  const sharing: string[] = [];
  const unknown: string[] = [];
  for (const [name, v] of Object.entries(s.config.vaults ?? {})) {
    const path = expandPath(v.path);
    if (path === s.ref.path || !existsSync(path)) continue;
    const other = await openIfUnlocked({ ...s.opts, vault: name, passwordFile: undefined, passwordFd: undefined, password: true });
    if (!other) {
      const bases = known[path];
      if (!bases) unknown.push(name);
      else if (bases.some((b) => mine.includes(b))) sharing.push(name);
      continue;
    }
    try {
      const theirs = other.vault.db.getCustomData(SETUP_KEY) ? getSetup(other.vault.db) : undefined;
      rememberBases(path, theirs?.bases ?? []);
      if (!theirs || !theirs.bases.some((b) => mine.includes(b))) continue;
      tags.push(...theirs.retired, ...(theirs.issued ?? []), ...listAliases(other.vault.db).map((a) => a.record.tag));
    } finally {
      other.close();
    }
  }
  const them = (l: string[]) => (l.length > 1 ? 'them' : 'it');
  if (sharing.length) warn(`${sharing.join(', ')} ${sharing.length > 1 ? 'share' : 'shares'} a base address with this vault and ${sharing.length > 1 ? 'are' : 'is'} locked, so ${sharing.length > 1 ? 'their' : 'its'} aliases were not checked; unlock ${them(sharing)} to keep aliases unique across vaults`);
  if (unknown.length) warn(`${unknown.join(', ')} ${unknown.length > 1 ? 'were' : 'was'} never seen unlocked here, so whether ${unknown.length > 1 ? 'they share' : 'it shares'} a base address is unknown; unlock ${them(unknown)} once ('stv --vault ${unknown[0]} unlock') and stv remembers`);
  return tags;
}

export async function aliasForEntry(s: Session, e: Entry): Promise<string> {
  const url = e.get('URL');
  if (!url) throw new UsageError('--alias needs the entry\'s --url to name the site');
  return assignAlias(s.vault.db, e, url, { otherVaultTags: await otherVaultTags(s) }).address;
}
