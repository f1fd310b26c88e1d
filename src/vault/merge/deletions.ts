/**
 * What a deletion removes. A copy deleted an entry or group when it lacks it
 * and says so: a `stickvault.deletions` record of what it had seen (exact), or
 * its base has it (it deleted what the base held — pykeepass and some tools
 * leave no DeletedObjects record), or — with neither — only a DeletedObjects
 * time (KeePassXC without a base).
 *
 * An entry is removed only if every frontier version was seen by some
 * deletion; a deletion known only by its time removes it only if it is later
 * than every version anyone knows. Otherwise the edit wins and the entry stays.
 * Seen sets are kept in the result even for what stays, so that a later merge
 * with a copy still holding a seen version decides the same way.
 */
import { isTombstone, tombstone, tombstoneToken, type SeenSets, type Tombstone, type TombstoneKind } from './seen.js';

export interface DeletionInfo {
  /** vids any deletion of this UUID had seen (recorded anywhere, or implied by a deleter's base). */
  seen: Set<string>;
  /** The latest deletion known only by its time. */
  timeOnly?: Date;
  /** The inputs that deleted it. */
  deleters: number[];
  /** The latest DeletedObjects time any input has for it. */
  at?: Date;
}

export interface DeletionSources {
  seenIn: SeenSets[];
  deletedObjects: Map<string, Date>[];
}

/** What the inputs say about deleting `uuid`; undefined when nobody deleted it. */
export function deletionInfo(uuid: string, src: DeletionSources, present: boolean[], baseVids: (input: number) => string[] | undefined): DeletionInfo | undefined {
  const seen = new Set<string>();
  // An undone move (`@c:`) is no deletion: it is weighed with the group's places.
  for (const s of src.seenIn) for (const v of s.get(uuid) ?? []) if (!v.startsWith('@c:')) seen.add(v);
  const info: DeletionInfo = { seen, deleters: [] };
  for (let i = 0; i < present.length; i++) {
    const rec = src.deletedObjects[i].get(uuid);
    if (rec && (!info.at || rec > info.at)) info.at = rec;
    if (present[i]) continue;
    const fromBase = baseVids(i);
    if (fromBase) for (const v of fromBase) seen.add(v);
    if (fromBase || src.seenIn[i].has(uuid)) info.deleters.push(i);
    else if (rec) {
      info.deleters.push(i);
      if (!info.timeOnly || rec > info.timeOnly) info.timeOnly = rec;
    }
  }
  return seen.size || info.timeOnly ? info : undefined;
}

/** The result's deletion records: DeletedObjects for what is gone, seen sets for everything any deletion saw. */
export class DeletionLedger {
  readonly seen: SeenSets = new Map();
  readonly deletedObjects = new Map<string, Date>();

  constructor(src: DeletionSources) {
    for (const s of src.seenIn) for (const [uuid, vids] of s) this.addSeen(uuid, vids);
    for (const m of src.deletedObjects) {
      for (const [uuid, at] of m) {
        const mine = this.deletedObjects.get(uuid);
        if (!mine || at > mine) this.deletedObjects.set(uuid, at);
      }
    }
  }

  addSeen(uuid: string, vids: Iterable<string>): void {
    let set = this.seen.get(uuid);
    if (!set) this.seen.set(uuid, (set = new Set()));
    for (const v of vids) set.add(v);
  }

  /** Note the latest place (and properties) a removed thing had, keeping one of each kind. */
  tombstone(uuid: string, kind: TombstoneKind, t: Tombstone): void {
    const set = this.seen.get(uuid) ?? new Set<string>();
    const best = tombstone([...set, tombstoneToken(kind, t)], kind)!;
    for (const token of [...set]) if (isTombstone(token) && token.startsWith(`@${kind}:`)) set.delete(token);
    set.add(tombstoneToken(kind, best));
    this.seen.set(uuid, set);
  }

  /** Note exactly this place (or properties) for a removed thing, replacing what the inputs noted. */
  setTombstone(uuid: string, kind: TombstoneKind, t: Tombstone): void {
    const set = this.seen.get(uuid) ?? new Set<string>();
    for (const token of [...set]) if (token.startsWith(`@${kind}:`)) set.delete(token);
    set.add(tombstoneToken(kind, t));
    this.seen.set(uuid, set);
  }

  /** Removed: recorded with the latest deletion time anyone noted, else `fallback`. */
  removed(uuid: string, fallback: Date): void {
    const noted = tombstone(this.seen.get(uuid), 't')?.at;
    const recorded = this.deletedObjects.get(uuid);
    const at = recorded && noted ? (recorded > noted ? recorded : noted) : recorded ?? noted ?? fallback;
    this.deletedObjects.set(uuid, at);
    const set = this.seen.get(uuid);
    if (set) for (const token of [...set]) if (token.startsWith('@t:')) set.delete(token);
  }

  /** The seen sets with one tombstone of each kind per UUID (copies may bring several). */
  normalized(): SeenSets {
    for (const set of this.seen.values()) {
      for (const kind of ['p', 'g', 't'] as const) {
        const best = tombstone(set, kind);
        if (!best) continue;
        for (const token of [...set]) if (token.startsWith(`@${kind}:`)) set.delete(token);
        set.add(tombstoneToken(kind, best));
      }
    }
    return this.seen;
  }

  /** The moves cycles undid, exactly these: every record an input brought is replaced. */
  undoneMoves(tokens: Map<string, string>): void {
    for (const [uuid, set] of this.seen) {
      const records = [...set].filter((token) => token.startsWith('@c:'));
      for (const token of records) set.delete(token);
      if (records.length && !set.size) this.seen.delete(uuid);
    }
    for (const [uuid, token] of tokens) this.addSeen(uuid, [token]);
  }

  /** Whether any record names this UUID. */
  names(uuid: string): boolean {
    return this.seen.has(uuid) || this.deletedObjects.has(uuid);
  }

  /** Live things are not deleted, whatever a copy recorded; their places and properties are their own again. */
  live(uuid: string): void {
    const recorded = this.deletedObjects.get(uuid);
    this.deletedObjects.delete(uuid);
    const set = this.seen.get(uuid);
    if (set) for (const token of [...set]) if (token.startsWith('@p:') || token.startsWith('@g:')) set.delete(token);
    if (recorded) this.tombstone(uuid, 't', { value: '', at: recorded });
    else if (set && !set.size) this.seen.delete(uuid);
  }
}
