/**
 * Keeping aliases unique across the user's vaults: the tags the other vaults
 * use under a base address this vault shares. Another vault is read only if
 * the caller can open it without asking (the agent's key): issuing an alias
 * never asks for another vault's password. What each vault's bases were when
 * last seen unlocked is remembered (peers.ts): a locked vault known to use
 * none of ours is skipped in silence; one that shares a base, or was never
 * seen, is reported so the caller can say how to settle it.
 */
import { existsSync } from 'node:fs';
import type { Database } from '../vault/index.js';
import { getSetup, listAliases, SETUP_KEY } from './registry.js';
import { knownBases, rememberBases } from './peers.js';

export interface PeerVault {
  name: string;
  path: string;
  /** The vault's content if it can be had without asking for a password; undefined when locked. */
  openIfUnlocked(): Promise<{ db: Database; close(): void } | undefined>;
}

export interface PeerTags {
  tags: string[];
  /** Locked vaults that share a base address with this one: their aliases were not checked. */
  sharing: string[];
  /** Locked vaults never seen unlocked here: whether they share a base is unknown. */
  unknown: string[];
}

export async function tagsOfOtherVaults(db: Database, path: string, peers: PeerVault[]): Promise<PeerTags> {
  const mine = getSetup(db).bases;
  rememberBases(path, mine);
  const known = knownBases();
  const r: PeerTags = { tags: [], sharing: [], unknown: [] };
  for (const peer of peers) {
    if (peer.path === path || !existsSync(peer.path)) continue;
    const other = await peer.openIfUnlocked();
    if (!other) {
      const bases = known[peer.path];
      if (!bases) r.unknown.push(peer.name);
      else if (bases.some((b) => mine.includes(b))) r.sharing.push(peer.name);
      continue;
    }
    try {
      const theirs = other.db.getCustomData(SETUP_KEY) ? getSetup(other.db) : undefined;
      rememberBases(peer.path, theirs?.bases ?? []);
      if (!theirs || !theirs.bases.some((b) => mine.includes(b))) continue;
      r.tags.push(...theirs.retired, ...(theirs.issued ?? []), ...listAliases(other.db).map((a) => a.record.tag));
    } finally {
      other.close();
    }
  }
  return r;
}
