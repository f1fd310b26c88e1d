/**
 * What a deletion had seen: Meta CustomData `stickvault.deletions`, JSON
 * `{uuid: [vid, …]}` — for an entry the vids of the version deleted and of
 * its history, for a group its group version id. A deletion removes an entry
 * only if every version that is current somewhere was seen by one, so an
 * edit the deleter never saw survives. KeePassXC keeps Meta CustomData, so
 * the record travels with every copy.
 *
 * When a merge removes what other copies still held, it also notes the
 * latest place (`@p:PARENT:SECONDS`) and, for a group, the latest properties
 * (`@g:HASH:SECONDS`) they had: should the thing come back (an edit the
 * deletion had not seen), those writes compete as if the copies were there,
 * so the order in which copies were merged does not change the answer. When
 * a thing stays, its DeletedObjects record goes but its time is kept here
 * (`@t::SECONDS`) for the day a deletion does remove it.
 *
 * A group whose latest move a cycle undid (groups.ts) keeps that move here,
 * `@c:PARENT/PREVIOUS:SECONDS`, while it stands where the undoing put it: a
 * later merge weighs the move as the group's place, as if the copy that made
 * it were there, so merging two copies first cannot lose a move that the
 * n-way merge would still weigh. A move of the group after it replaces it.
 */
import type { Database } from '../model/database.js';
import type { Entry } from '../model/entry.js';
import type { Group } from '../model/group.js';
import { nowSeconds } from '../model/times.js';
import { entryVersionId, groupProperties, groupVersionId, groupVersionOf, seconds } from './fingerprint.js';
import { DELETIONS_KEY, formatSetMap, mergeParents, readSetMap } from './records.js';

export type SeenSets = Map<string, Set<string>>;

export function readSeen(db: Database): SeenSets {
  return readSetMap(db.meta.customData.get(DELETIONS_KEY)?.value, (uuid) => /^[0-9a-f]{32}$/.test(uuid));
}

export function writeSeen(db: Database, s: SeenSets, at = nowSeconds()): void {
  const text = formatSetMap(s);
  if (text === undefined) db.meta.customData.delete(DELETIONS_KEY);
  else if (db.meta.customData.get(DELETIONS_KEY)?.value !== text) db.meta.customData.set(DELETIONS_KEY, { value: text, lastModified: at });
}

export function addSeen(s: SeenSets, uuid: string, vids: Iterable<string>): void {
  let set = s.get(uuid);
  if (!set) s.set(uuid, (set = new Set()));
  for (const v of vids) set.add(v);
}

/** Called by Database when it deletes for good: what the deleter saw of each entry and group. */
export function recordDeletion(db: Database, items: { entries: Entry[]; groups: Group[] }): void {
  const s = readSeen(db);
  for (const e of items.entries) {
    for (const v of [e, ...e.history]) {
      const vid = entryVersionId(v);
      addSeen(s, e.uuid, [vid, ...(mergeParents(v, vid) ?? [])]);
    }
  }
  for (const g of items.groups) addSeen(s, g.uuid, [effectiveGroupVersion(g, db.root, s)]);
  writeSeen(db, s);
}

export interface Tombstone {
  /** A parent key or a properties hash. */
  value: string;
  at: Date;
}

export type TombstoneKind = 'p' | 'g' | 't' | 'c';
const TOMB = /^@([pgtc]):(.*):(-?\d+)$/;

/**
 * The latest place ('p') or properties ('g') noted for a removed thing, or
 * ('t') when a thing that stayed had been deleted somewhere, if any.
 */
export function tombstone(seen: Iterable<string> | undefined, kind: TombstoneKind): Tombstone | undefined {
  let best: Tombstone | undefined;
  for (const token of seen ?? []) {
    const m = TOMB.exec(token);
    if (!m || m[1] !== kind) continue;
    const t = { value: m[2], at: new Date(Number(m[3]) * 1000) };
    if (!best || t.at > best.at || (t.at.getTime() === best.at.getTime() && t.value > best.value)) best = t;
  }
  return best;
}

export function tombstoneToken(kind: TombstoneKind, t: Tombstone): string {
  return `@${kind}:${t.value}:${Math.floor(t.at.getTime() / 1000)}`;
}

/** A group's place as merge weighs it: the parent key, where it came from, and when. */
export interface MovePlace {
  parent: string;
  previousParent?: string;
  at: Date;
}

const PARENT_KEY = /^(|[0-9a-f]{32})$/;

/**
 * The move a cycle undid for `g` (see the header), while no later move of the
 * group replaced it; undefined otherwise, or when the record is not well formed.
 */
export function undoneMove(seen: SeenSets | undefined, g: Group): MovePlace | undefined {
  const t = tombstone(seen?.get(g.uuid), 'c');
  if (!t || seconds(g.times.locationChanged) > seconds(t.at)) return undefined;
  const [parent, previous, ...rest] = t.value.split('/');
  if (rest.length || previous === undefined || !PARENT_KEY.test(parent) || !PARENT_KEY.test(previous) || parent === g.uuid) return undefined;
  return { parent, previousParent: previous || undefined, at: t.at };
}

export function undoneMoveToken(m: MovePlace): string {
  const previous = m.previousParent && PARENT_KEY.test(m.previousParent) ? m.previousParent : '';
  return tombstoneToken('c', { value: `${m.parent}/${previous}`, at: m.at });
}

/** A group's version id with the place merge weighs (an undone move rather than where the undoing put it). */
export function effectiveGroupVersion(g: Group, root: Group, seen: SeenSets | undefined): string {
  const undone = undoneMove(seen, g);
  return undone ? groupVersionId(groupProperties(g), g.times.lastModification, undone.parent, undone.at) : groupVersionOf(g, root);
}

export const isTombstone = (token: string) => token.startsWith('@');
