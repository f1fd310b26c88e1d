/** add --alias / alias new: issue aliases that are unique across the user's vaults. */
import { existsSync } from 'node:fs';
import { UsageError } from '../errors/index.js';
import { assignAlias, getSetup, listAliases, SETUP_KEY } from '../aliases/index.js';
import { expandPath } from '../config/index.js';
import type { Entry } from '../vault/index.js';
import { warn } from './runtime.js';
import { openIfUnlocked, type Session } from './session.js';

/**
 * Tags the other configured vaults use under a base address this vault shares,
 * read through the agent only (issuing an alias never asks for another
 * vault's password). A locked vault that is present is named in a warning.
 */
export async function otherVaultTags(s: Session): Promise<string[]> {
  const mine = getSetup(s.vault.db).bases;
  const tags: string[] = [];
  const locked: string[] = [];
  for (const [name, v] of Object.entries(s.config.vaults ?? {})) {
    const path = expandPath(v.path);
    if (path === s.ref.path || !existsSync(path)) continue;
    const other = await openIfUnlocked({ ...s.opts, vault: name, passwordFile: undefined, passwordFd: undefined, password: true });
    if (!other) {
      locked.push(name);
      continue;
    }
    try {
      if (!other.vault.db.getCustomData(SETUP_KEY)) continue;
      const theirs = getSetup(other.vault.db);
      if (!theirs.bases.some((b) => mine.includes(b))) continue;
      tags.push(...theirs.retired, ...listAliases(other.vault.db).map((a) => a.record.tag));
    } finally {
      other.close();
    }
  }
  if (locked.length) warn(`could not check ${locked.join(', ')} for aliases already in use (locked); unlock ${locked.length > 1 ? 'them' : 'it'} to keep aliases unique across vaults`);
  return tags;
}

export async function aliasForEntry(s: Session, e: Entry): Promise<string> {
  const url = e.get('URL');
  if (!url) throw new UsageError('--alias needs the entry\'s --url to name the site');
  return assignAlias(s.vault.db, e, url, { otherVaultTags: await otherVaultTags(s) }).address;
}
