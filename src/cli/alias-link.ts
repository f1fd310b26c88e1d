/** add --alias: a new alias for the entry's site becomes its username. */
import { UsageError } from '../errors/index.js';
import { assignAlias } from '../aliases/index.js';
import type { Entry } from '../vault/index.js';
import type { Session } from './session.js';

export async function aliasForEntry(s: Session, e: Entry): Promise<string> {
  const url = e.get('URL');
  if (!url) throw new UsageError('--alias needs the entry\'s --url to name the site');
  return assignAlias(s.vault.db, e, url).address;
}
