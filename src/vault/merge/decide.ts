/**
 * What becomes of each entry UUID in an n-way merge: the same everywhere (the
 * fast path), removed by a deletion that saw it, kept against one that did
 * not, or merged (entries.ts) — and where it goes (groups.ts).
 */
import type { Database } from '../model/database.js';
import type { Entry } from '../model/entry.js';
import type { Group } from '../model/group.js';
import { mergeEntry, type MergedEntry } from './entries.js';
import type { DeletionInfo, DeletionLedger } from './deletions.js';
import type { Tokens } from './fields.js';
import { ROOT, rankPlaces, type Place, type PropsCandidate } from './groups.js';
import { DELETED_FIELD, type ConflictRecord } from './records.js';
import { tombstone } from './seen.js';
import { sameEntryState } from './state.js';
import { analyse, covered, type Analysis, type EntryCopy, type VersionIds } from './versions.js';
import type { MergeInput } from './index.js';

export interface Indexed {
  db: Database;
  entries: Map<string, Entry>;
  groups: Map<string, Group>;
}

export function index(db: Database): Indexed {
  const entries = new Map<string, Entry>();
  const groups = new Map<string, Group>();
  for (const g of db.root.allGroups()) {
    if (g !== db.root) groups.set(g.uuid, g);
    for (const e of g.entries) entries.set(e.uuid, e);
  }
  return { db, entries, groups };
}

/** A parent as merge names it: ROOT for any copy's root group. */
export const keyOf = (db: Database, g: Group | undefined) => (!g || g === db.root ? ROOT : g.uuid);

/** Every key, the first map's in its order, then the others' new ones in theirs. */
export function unionKeys<V>(maps: Map<string, V>[]): string[] {
  const [first, ...rest] = maps;
  const out = [...first.keys()];
  const extra = new Set<string>();
  for (const m of rest) {
    for (const k of m.keys()) {
      if (first.has(k) || extra.has(k)) continue;
      extra.add(k);
      out.push(k);
    }
  }
  return out;
}

export interface EntryOutcome {
  uuid: string;
  /** The copies that have it (left empty on the fast path). */
  copies: EntryCopy[];
  /** Every present copy is the same: the result is that copy as it is. */
  asIs?: Entry;
  merged?: MergedEntry;
  analysis?: Analysis;
  deletion?: DeletionInfo;
  removed: boolean;
  /** Deleted somewhere, kept because of an edit the deletion had not seen. */
  kept: boolean;
  place: Place;
}

export interface GroupOutcome {
  uuid: string;
  copies: { input: number; group: Group; parent: string; base?: Group }[];
  /** The group whose properties the result takes. */
  props: Group;
  /** The winning properties (perhaps those of copies merged away, known by hash). */
  propsCandidate: PropsCandidate;
  deletion?: DeletionInfo;
  deleted: boolean;
}

/**
 * The fast path for nearly every entry of a sync: every input has it, the
 * same in every way, and no deletion record names it — the result is the
 * first input's as it is. Returns its parent key, without allocating.
 */
export function everywhereTheSame(uuid: string, inputs: MergeInput[], idx: Indexed[], mentioned: Set<string>): string | undefined {
  const first = idx[0].entries.get(uuid);
  if (!first || mentioned.has(uuid)) return undefined;
  const parent = keyOf(inputs[0].db, first.parent);
  for (let i = 1; i < idx.length; i++) {
    const x = idx[i].entries.get(uuid);
    if (!x || keyOf(inputs[i].db, x.parent) !== parent || !sameEntryState(first, x)) return undefined;
  }
  return parent;
}

export interface EntryContext {
  ids: VersionIds;
  tokens: Tokens;
  limits: { maxItems: number; maxSize: number };
  ledger: DeletionLedger;
  now: Date;
  inputs: MergeInput[];
  /** Every group UUID some input holds. */
  groups: Set<string>;
}

/** The latest place noted for a removed thing (given `groups`: only if its parent is still one of them). */
export function tombPlace(deletion: DeletionInfo | undefined, groups?: Set<string>): Place[] {
  const t = tombstone(deletion?.seen, 'p');
  return t && (!groups || t.value === ROOT || groups.has(t.value)) ? [{ parent: t.value, at: t.at, moved: true }] : [];
}

export function placeOf(copies: EntryCopy[], x: EntryContext, deletion: DeletionInfo | undefined): Place {
  return rankPlaces([
    ...copies.map((c) => ({
      parent: keyOf(x.inputs[c.input].db, c.entry.parent),
      at: c.entry.times.locationChanged,
      previousParent: c.entry.previousParentGroup,
      moved: !c.base || keyOf(x.inputs[c.input].base!, c.base.parent) !== keyOf(x.inputs[c.input].db, c.entry.parent),
    })),
    ...tombPlace(deletion, x.groups),
  ])[0];
}

export function decideEntry(uuid: string, copies: EntryCopy[], deletion: DeletionInfo | undefined, x: EntryContext): EntryOutcome {
  if (!deletion) {
    // Nearly every entry: the same in every copy that has it, nobody deleted it.
    const first = copies[0];
    const parent = keyOf(x.inputs[first.input].db, first.entry.parent);
    if (copies.every((c) => c === first || (sameEntryState(first.entry, c.entry) && keyOf(x.inputs[c.input].db, c.entry.parent) === parent))) {
      const { locationChanged: at } = first.entry.times;
      return { uuid, copies, asIs: first.entry, removed: false, kept: false, place: { parent, at, previousParent: first.entry.previousParentGroup, moved: false } };
    }
  }
  const out: EntryOutcome = { uuid, copies, deletion, removed: false, kept: false, place: placeOf(copies, x, deletion) };
  const a = analyse(copies, x.ids);
  out.analysis = a;
  let extraRecord: ConflictRecord | undefined;
  if (deletion) {
    const exact = a.frontier.every((h) => covered(h, deletion.seen));
    let latest = 0;
    for (const v of a.known.values()) if (v) latest = Math.max(latest, v.times.lastModification.getTime());
    const byTime = deletion.timeOnly !== undefined && deletion.timeOnly.getTime() > latest;
    x.ledger.addSeen(uuid, deletion.seen);
    if (exact || byTime) {
      out.removed = true;
      // What the deletion covered, and every version before it: a stale copy holding any of them cannot bring it back.
      if (exact) x.ledger.addSeen(uuid, [...deletion.seen, ...a.known.keys()]);
      x.ledger.removed(uuid, deletion.at ?? x.now);
      // The noted place competes as a move even when its group is gone since: a copy that merely still has the
      // entry where the base had it must not replace it by a later clock (merging the result again would).
      const noted = rankPlaces([out.place, ...tombPlace(deletion)])[0];
      x.ledger.setTombstone(uuid, 'p', { value: noted.parent, at: noted.at });
      return out;
    }
    if (deletion.deleters.length) {
      out.kept = true;
      extraRecord = new Map([[DELETED_FIELD, new Set<string>()]]);
    }
  }
  out.merged = mergeEntry(a, { ids: x.ids, tokens: x.tokens, limits: x.limits, extraRecord });
  out.merged.entry.times.locationChanged = out.place.at;
  out.merged.entry.previousParentGroup = out.place.previousParent;
  return out;
}
