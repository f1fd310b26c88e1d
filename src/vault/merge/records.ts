/**
 * What merge writes into a vault besides the user's content, in places
 * KeePassXC keeps (tags and CustomData), and what it reads as bookkeeping
 * rather than as an edit:
 * - the tag `stickvault-conflict` and the entry CustomData item
 *   `stickvault.conflict` (JSON: field key → vids of the versions holding the
 *   values that lost, each kept in history; `deleted` for an edit that
 *   outlived a deletion);
 * - `stickvault.merged` on a version a merge made (`VID PARENT,PARENT…`):
 *   it says nothing its parents do not, so whoever knows the parents knows it;
 * - Meta CustomData `stickvault.deletions` (JSON: UUID → vids the deleter had
 *   seen), see deletions.ts;
 * - KeePassXC's `_LAST_MODIFIED` and `_CREATED`, which it rewrites on saves
 *   that change nothing a user wrote.
 */
import type { Entry } from '../model/entry.js';

export const CONFLICT_TAG = 'stickvault-conflict';
export const CONFLICT_KEY = 'stickvault.conflict';
export const MERGED_KEY = 'stickvault.merged';
export const DELETIONS_KEY = 'stickvault.deletions';
/** The conflict record's key for "edited here, deleted elsewhere". */
export const DELETED_FIELD = 'deleted';

/** Entry and group CustomData that is bookkeeping: never part of a version's content. */
export const BOOKKEEPING_KEYS: ReadonlySet<string> = new Set(['_LAST_MODIFIED', '_CREATED', CONFLICT_KEY, MERGED_KEY]);

/** Field key → vids of the versions whose values lost (kept in history). */
export type ConflictRecord = Map<string, Set<string>>;

/**
 * A record as stored: JSON `{key: [string, …]}`. Someone else's bytes: what is
 * not that shape is dropped (keys failing `keyOk`, non-string items), an
 * unreadable text is no record.
 */
export function readSetMap(raw: string | undefined, keyOk: (k: string) => boolean = () => true): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (!raw) return out;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (keyOk(k) && Array.isArray(v)) out.set(k, new Set(v.filter((x): x is string => typeof x === 'string')));
    }
  } catch {
    // an unreadable record records nothing
  }
  return out;
}

/** Canonical text (sorted keys and items), so equal records are equal strings; undefined for an empty one. */
export function formatSetMap(m: Map<string, Set<string>>): string | undefined {
  if (!m.size) return undefined;
  const o: Record<string, string[]> = {};
  for (const k of [...m.keys()].sort()) o[k] = [...m.get(k)!].sort();
  return JSON.stringify(o);
}

export function readConflict(e: Entry): ConflictRecord {
  return readSetMap(e.hasCustomData ? e.customData.get(CONFLICT_KEY)?.value : undefined);
}

export const formatConflict = formatSetMap;

export function writeConflict(e: Entry, r: ConflictRecord): void {
  const text = formatConflict(r);
  const tagged = e.tags.includes(CONFLICT_TAG);
  if (text) {
    e.customData.set(CONFLICT_KEY, { value: text });
    if (!tagged) e.tags = [...e.tags, CONFLICT_TAG];
  } else {
    if (e.hasCustomData) e.customData.delete(CONFLICT_KEY);
    if (tagged) e.tags = e.tags.filter((t) => t !== CONFLICT_TAG);
  }
}

export function unionConflicts(into: ConflictRecord, from: ConflictRecord): void {
  for (const [k, vids] of from) {
    const mine = into.get(k);
    if (mine) for (const v of vids) mine.add(v);
    else into.set(k, new Set(vids));
  }
}

export function hasConflict(e: Entry): boolean {
  return e.tags.includes(CONFLICT_TAG) || (e.hasCustomData && e.customData.has(CONFLICT_KEY));
}

/** History items carry no conflict (the current version does); a merge version keeps its parents. */
export function asHistoryItem(e: Entry): Entry {
  if (e.tags.includes(CONFLICT_TAG)) e.tags = e.tags.filter((t) => t !== CONFLICT_TAG);
  if (e.hasCustomData) e.customData.delete(CONFLICT_KEY);
  return e;
}

/** A new version by the user (an edit, a restore, a resolve): it settles any conflict and is nobody's merge. */
export function clearMergeRecords(e: Entry): void {
  if (e.tags.includes(CONFLICT_TAG)) e.tags = e.tags.filter((t) => t !== CONFLICT_TAG);
  if (e.hasCustomData) {
    e.customData.delete(CONFLICT_KEY);
    e.customData.delete(MERGED_KEY);
  }
}

/** The parents a merge version names, if `vid` is the version it was written on (an edit elsewhere voids it). */
export function mergeParents(e: Entry, vid: string): string[] | undefined {
  if (!e.hasCustomData) return undefined;
  const raw = e.customData.get(MERGED_KEY)?.value;
  if (!raw) return undefined;
  const [own, parents = ''] = raw.split(' ');
  if (own !== vid) return undefined;
  const list = parents.split(',').filter(Boolean);
  return list.length ? list : undefined;
}

export function writeMergeParents(e: Entry, vid: string, parents: string[] | undefined): void {
  if (parents?.length) e.customData.set(MERGED_KEY, { value: `${vid} ${[...new Set(parents)].sort().join(',')}` });
  else if (e.hasCustomData) e.customData.delete(MERGED_KEY);
}
