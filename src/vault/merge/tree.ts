/**
 * The n-way merge of whole databases: every entry and group UUID any input
 * holds is decided once (entries.ts, deletions.ts, groups.ts), then the
 * first input's tree is rebuilt to the result, and what changed relative to
 * each input is worked out for `changes` and `differs`.
 */
import type { Database } from '../model/database.js';
import type { Entry } from '../model/entry.js';
import { Group } from '../model/group.js';
import { cloneTimes } from '../model/times.js';
import { groupProperties, groupVersionId, groupVersionOf, seconds } from './fingerprint.js';
import { Tokens, differingFields, fieldLabel } from './fields.js';
import { mergeEntry, type MergedEntry } from './entries.js';
import { DeletionLedger, deletionInfo, type DeletionInfo, type DeletionSources } from './deletions.js';
import { ROOT, assignProperties, placeGroups, propsCandidate, rankPlaces, winningProperties, type Place, type PropsCandidate } from './groups.js';
import { mergeMeta, mergedSettings, metaDifferences, metaState } from './meta.js';
import { DELETED_FIELD, readConflict, type ConflictRecord } from './records.js';
import { readSeen, tombstone, writeSeen } from './seen.js';
import { assignEntry, groupState, sameEntryState } from './state.js';
import { analyse, covered, knowledge, VersionIds, type Analysis, type EntryCopy } from './versions.js';
import type { Change, ConflictSide, FieldConflict, MergeInput, MergeResult } from './index.js';

interface Indexed {
  db: Database;
  entries: Map<string, Entry>;
  groups: Map<string, Group>;
}

function index(db: Database): Indexed {
  const entries = new Map<string, Entry>();
  const groups = new Map<string, Group>();
  for (const g of db.root.allGroups()) {
    if (g !== db.root) groups.set(g.uuid, g);
    for (const e of g.entries) entries.set(e.uuid, e);
  }
  return { db, entries, groups };
}

/** A parent as merge names it: ROOT for any copy's root group. */
const keyOf = (db: Database, g: Group | undefined) => (!g || g === db.root ? ROOT : g.uuid);

/** Every key, the first map's in its order, then the others' new ones in theirs. */
function unionKeys<V>(maps: Map<string, V>[]): string[] {
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

interface EntryOutcome {
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

interface GroupOutcome {
  uuid: string;
  copies: { input: number; group: Group; parent: string; base?: Group }[];
  /** The group whose properties the result takes. */
  props: Group;
  /** The winning properties (perhaps those of copies merged away, known by hash). */
  propsCandidate: PropsCandidate;
  deletion?: DeletionInfo;
  deleted: boolean;
}

export function mergeGroupsAndEntries(inputs: MergeInput[], now: Date): MergeResult {
  const target = inputs[0].db;
  const idx = inputs.map((i) => index(i.db));
  const bidx = inputs.map((i) => i.base && index(i.base));
  const ids = new VersionIds();
  const tokens = new Tokens();
  const settings = mergedSettings(inputs.map((i) => i.db.meta));
  const limits = { maxItems: settings.historyMaxItems, maxSize: settings.historyMaxSize };
  const src: DeletionSources = { seenIn: inputs.map((i) => readSeen(i.db)), deletedObjects: inputs.map((i) => i.db.deletedObjects) };
  const ledger = new DeletionLedger(src);
  const metaBefore = metaState(target.meta);
  const deletedBefore = new Map(target.deletedObjects);
  const differs = inputs.map(() => false);
  const changes: Change[] = [];
  const conflicts: FieldConflict[] = [];

  // 1. Entries.
  const knownGroups = new Set(unionKeys(idx.map((x) => x.groups)));
  const mentioned = new Set<string>();
  for (const m of src.seenIn) for (const uuid of m.keys()) mentioned.add(uuid);
  const entryOutcomes: EntryOutcome[] = [];
  // Entries every input has, the same everywhere: only their groups matter below.
  const unchangedIn = new Set<string>();
  for (const uuid of unionKeys(idx.map((x) => x.entries))) {
    const parent = everywhereTheSame(uuid, inputs, idx, mentioned);
    if (parent !== undefined) {
      unchangedIn.add(parent);
      continue;
    }
    const copies: EntryCopy[] = [];
    const present = idx.map((x, i) => {
      const entry = x.entries.get(uuid);
      if (entry) copies.push({ input: i, label: inputs[i].label, entry, base: bidx[i]?.entries.get(uuid) });
      return Boolean(entry);
    });
    const baseVids = (i: number) => {
      const b = bidx[i]?.entries.get(uuid);
      return b && [...knowledge({ input: i, label: '', entry: b }, ids).keys()];
    };
    const deletion = deletionInfo(uuid, src, present, baseVids);
    entryOutcomes.push(decideEntry(uuid, copies, deletion, { ids, tokens, limits, ledger, now, inputs, groups: knownGroups }));
  }

  // 2. Groups: properties, deletion, then places for all of them (cycles broken), then which must exist.
  const groupOutcomes = new Map<string, GroupOutcome>();
  const ranked = new Map<string, Place[]>();
  for (const uuid of knownGroups) {
    const copies: GroupOutcome['copies'] = [];
    const present = idx.map((x, i) => {
      const group = x.groups.get(uuid);
      if (group) copies.push({ input: i, group, parent: keyOf(inputs[i].db, group.parent), base: bidx[i]?.groups.get(uuid) });
      return Boolean(group);
    });
    const deletion = deletionInfo(uuid, src, present, (i) => {
      const b = bidx[i]?.groups.get(uuid);
      return b && [groupVersionOf(b, inputs[i].base!.root)];
    });
    const propsCands = copies.map((c) => propsCandidate(c.group, !c.base || groupProperties(c.base) !== groupProperties(c.group)));
    const tombProps = tombstone(deletion?.seen, 'g');
    const props = winningProperties(tombProps ? [...propsCands, { hash: tombProps.value, at: tombProps.at, changed: true }] : propsCands);
    const places = rankPlaces([
      ...copies.map((c) => ({
        parent: c.parent, at: c.group.times.locationChanged, previousParent: c.group.previousParentGroup,
        moved: !c.base || keyOf(inputs[c.input].base!, c.base.parent) !== c.parent,
      })),
      ...tombPlace(deletion, knownGroups),
    ]);
    let deleted = false;
    if (deletion) {
      // The version that would survive, as the copies' writes (and those of copies merged away) decide it.
      const merged = groupVersionId(props.hash, props.at, places[0].parent, places[0].at);
      const latest = Math.max(...copies.map((c) => Math.max(c.group.times.lastModification.getTime(), c.group.times.locationChanged.getTime())));
      deleted = deletion.seen.has(merged) || (deletion.timeOnly !== undefined && deletion.timeOnly.getTime() > latest);
      ledger.addSeen(uuid, deletion.seen);
    }
    groupOutcomes.set(uuid, { uuid, copies, props: props.group ?? winningProperties(propsCands).group!, propsCandidate: props, deletion, deleted });
    ranked.set(uuid, places);
  }
  const rootProps = winningProperties(inputs.map((inp) => propsCandidate(inp.db.root, !inp.base || groupProperties(inp.base.root) !== groupProperties(inp.db.root)))).group!;
  const places = placeGroups(ranked);
  const liveGroups = new Set<string>([ROOT]);
  for (const g of groupOutcomes.values()) if (!g.deleted) liveGroups.add(g.uuid);
  const resurrected = new Set<string>();
  const need = (key: string) => {
    for (let k = key; !liveGroups.has(k); k = places.get(k)!.parent) {
      liveGroups.add(k);
      resurrected.add(k);
    }
  };
  for (const parent of unchangedIn) need(parent);
  for (const o of entryOutcomes) if (!o.removed) need(o.place.parent);
  for (const g of [...liveGroups]) if (g !== ROOT) need(places.get(g)!.parent);

  // 3. What differs from each input, and the change list against the first (before it changes).
  const pending = compareEntries(entryOutcomes, inputs, idx, differs, changes, ids, tokens);
  compareGroups(groupOutcomes, places, liveGroups, resurrected, rootProps, inputs, idx, differs, changes);

  // 4. Rebuild the first input's tree; paths are known from here on.
  const entryObjects = buildEntries(entryOutcomes, idx[0]);
  buildTree(target, idx[0], groupOutcomes, places, liveGroups, rootProps, entryOutcomes, entryObjects);
  const pathOf = (uuid: string) => entryObjects.get(uuid)?.path() ?? '';
  for (const c of pending.changes) changes.push({ ...c, path: pathOf(c.uuid) });
  for (const c of pending.conflicts) conflicts.push({ ...c, path: pathOf(c.uuid) });

  // 5. Deletion records and Meta.
  const removed = new Set(entryOutcomes.filter((o) => o.removed).map((o) => o.uuid));
  const isLive = (uuid: string) => liveGroups.has(uuid) || (!removed.has(uuid) && idx.some((x) => x.entries.has(uuid)));
  for (const uuid of [...ledger.deletedObjects.keys(), ...ledger.seen.keys()]) if (isLive(uuid)) ledger.live(uuid);
  for (const g of groupOutcomes.values()) {
    if (liveGroups.has(g.uuid)) continue;
    ledger.removed(g.uuid, g.deletion?.at ?? now);
    const place = places.get(g.uuid)!;
    ledger.tombstone(g.uuid, 'p', { value: place.parent, at: place.at });
    ledger.tombstone(g.uuid, 'g', { value: g.propsCandidate.hash, at: g.propsCandidate.at });
  }
  target.deletedObjects = ledger.deletedObjects;
  mergeMeta(target.meta, inputs.map((i) => i.db.meta), (uuid) => liveGroups.has(uuid) || uuid === target.root.uuid);
  writeSeen(target, ledger.normalized(), now);
  const metaAfter = metaState(target.meta);
  const metaChanged = metaDifferences(metaBefore, metaAfter);
  const records = metaChanged.filter((m) => m === 'deletion records');
  const settingsChanged = metaChanged.filter((m) => m !== 'deletion records');
  if (settingsChanged.length) changes.push({ kind: 'meta', uuid: '', path: '', detail: `database settings merged: ${settingsChanged.join(', ')}` });
  if (records.length || !sameDeleted(deletedBefore, target.deletedObjects)) changes.push({ kind: 'deletions', uuid: '', path: '', detail: 'deletion records merged' });
  if (changes.length) differs[0] = true;
  inputs.forEach((inp, i) => {
    if (i === 0 || differs[i]) return;
    differs[i] = metaDifferences(metaState(inp.db.meta), metaAfter).length > 0 || !sameDeleted(inp.db.deletedObjects, target.deletedObjects);
  });
  return { db: target, changes, conflicts, differs };
}

function sameDeleted(a: Map<string, Date>, b: Map<string, Date>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) === undefined || seconds(b.get(k)!) !== seconds(v)) return false;
  return true;
}

/**
 * The fast path for nearly every entry of a sync: every input has it, the
 * same in every way, and no deletion record names it — the result is the
 * first input's as it is. Returns its parent key, without allocating.
 */
function everywhereTheSame(uuid: string, inputs: MergeInput[], idx: Indexed[], mentioned: Set<string>): string | undefined {
  const first = idx[0].entries.get(uuid);
  if (!first || mentioned.has(uuid)) return undefined;
  const parent = keyOf(inputs[0].db, first.parent);
  for (let i = 1; i < idx.length; i++) {
    const x = idx[i].entries.get(uuid);
    if (!x || keyOf(inputs[i].db, x.parent) !== parent || !sameEntryState(first, x)) return undefined;
  }
  return parent;
}

interface EntryContext {
  ids: VersionIds;
  tokens: Tokens;
  limits: { maxItems: number; maxSize: number };
  ledger: DeletionLedger;
  now: Date;
  inputs: MergeInput[];
  /** Every group UUID some input holds. */
  groups: Set<string>;
}

/** The latest place noted for a removed thing, if its parent is still a group somewhere. */
function tombPlace(deletion: DeletionInfo | undefined, groups: Set<string>): Place[] {
  const t = tombstone(deletion?.seen, 'p');
  return t && (t.value === ROOT || groups.has(t.value)) ? [{ parent: t.value, at: t.at, moved: true }] : [];
}

function placeOf(copies: EntryCopy[], x: EntryContext, deletion: DeletionInfo | undefined): Place {
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

function decideEntry(uuid: string, copies: EntryCopy[], deletion: DeletionInfo | undefined, x: EntryContext): EntryOutcome {
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
      x.ledger.tombstone(uuid, 'p', { value: out.place.parent, at: out.place.at });
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

/** Changes and conflicts against the first input; their paths are filled in once the tree is built. */
interface Pending {
  changes: Omit<Change, 'path'>[];
  conflicts: Omit<FieldConflict, 'path'>[];
}

/** The result entry's state for comparison: the merged one, or the copy taken as it is. */
function resultEntry(o: EntryOutcome): Entry | undefined {
  return o.removed ? undefined : o.merged?.entry ?? o.asIs;
}

function compareEntries(
  outcomes: EntryOutcome[], inputs: MergeInput[], idx: Indexed[], differs: boolean[], changes: Change[], ids: VersionIds, tokens: Tokens,
): Pending {
  const pending: Pending = { changes: [], conflicts: [] };
  const target = inputs[0].db;
  for (const o of outcomes) {
    const result = resultEntry(o);
    for (let i = 0; i < inputs.length; i++) {
      if (differs[i]) continue;
      const mine = idx[i].entries.get(o.uuid);
      const same = !result || !mine ? !result && !mine
        : o.asIs ? true // every copy that has it is the same
        : sameEntryState(result, mine) && keyOf(inputs[i].db, mine.parent) === o.place.parent;
      if (!same) differs[i] = true;
    }
    const mine = idx[0].entries.get(o.uuid);
    if (!result) {
      if (mine) changes.push({ kind: 'deleted', uuid: o.uuid, path: mine.path() });
      continue;
    }
    const live = (kind: Change['kind'], detail?: string) => pending.changes.push({ kind, uuid: o.uuid, detail });
    if (o.kept && !(mine && readConflict(mine).has(DELETED_FIELD))) {
      live('kept', `deleted in ${o.deletion!.deleters.map((i) => inputs[i].label).join(', ')} without having seen this version; it stays`);
    }
    if (o.merged) {
      const c = newConflict(o, inputs, tokens);
      if (c) pending.conflicts.push(c);
    }
    if (!mine) {
      live('added');
      continue;
    }
    if (o.asIs) continue;
    const merged = o.merged!;
    if (ids.vid(mine) !== merged.vid) {
      if (merged.conflictKeys.length) live('conflict', `${merged.conflictKeys.map(fieldLabel).join(', ')}: both values kept, the later one current, the other in history`);
      else live('updated', differingFields(mine, merged.entry, tokens).map(fieldLabel).join(', ') || undefined);
    } else if (!sameEntryState(merged.entry, mine)) {
      live('history', historyDetail(mine, merged.entry));
    }
    if (keyOf(target, mine.parent) !== o.place.parent) live('moved');
  }
  return pending;
}

function historyDetail(before: Entry, after: Entry): string {
  const parts: string[] = [];
  const d = after.history.length - before.history.length;
  if (d > 0) parts.push(`${d} version(s) added to history`);
  else if (d < 0) parts.push(`${-d} old version(s) dropped by the history limits`);
  else parts.push('history merged');
  const was = readConflict(before);
  const is = readConflict(after);
  if (is.size && [...is.keys()].some((k) => !was.has(k))) parts.push('conflict recorded');
  return parts.join('; ');
}

/** A conflict is reported once: when no input's copy already recorded it. */
function newConflict(o: EntryOutcome, inputs: MergeInput[], tokens: Tokens): Omit<FieldConflict, 'path'> | undefined {
  const merged = o.merged!;
  const recorded = o.copies.map((c) => readConflict(c.entry));
  const isNew = (key: string) => {
    const vids = merged.record.get(key) ?? new Set<string>();
    return !recorded.some((r) => {
      const have = r.get(key);
      return have !== undefined && [...vids].every((v) => have.has(v));
    });
  };
  const keys = merged.conflictKeys.filter(isNew);
  const deleted = o.kept && isNew(DELETED_FIELD);
  if (!keys.length && !deleted) return undefined;
  const sides: ConflictSide[] = o.analysis!.frontier.map((h) => {
    const e = h.copies[0].entry;
    return {
      labels: h.copies.map((c) => c.label),
      modified: e.times.lastModification.toISOString(),
      current: keys.filter((k) => tokens.of(e, k) === tokens.of(merged.entry, k)).map(fieldLabel),
    };
  });
  if (deleted) {
    const at = o.deletion!.at;
    sides.push({ labels: o.deletion!.deleters.map((i) => inputs[i].label), modified: (at ?? new Date(0)).toISOString(), current: [], deleted: true });
  }
  return { uuid: o.uuid, fields: [...keys.map(fieldLabel), ...(deleted ? [fieldLabel(DELETED_FIELD)] : [])], sides };
}

function compareGroups(
  outcomes: Map<string, GroupOutcome>, places: Map<string, Place>, live: Set<string>, resurrected: Set<string>, rootProps: Group,
  inputs: MergeInput[], idx: Indexed[], differs: boolean[], changes: Change[],
): void {
  const rootState = groupState(rootProps, ROOT, new Date(0));
  inputs.forEach((inp, i) => {
    if (groupState(inp.db.root, ROOT, new Date(0)) !== rootState) differs[i] = true;
  });
  if (groupState(inputs[0].db.root, ROOT, new Date(0)) !== rootState) changes.push({ kind: 'group-updated', uuid: inputs[0].db.root.uuid, path: '' });
  for (const g of outcomes.values()) {
    const place = places.get(g.uuid)!;
    const state = live.has(g.uuid) ? groupState(g.props, place.parent, place.at) : undefined;
    inputs.forEach((inp, i) => {
      const mine = idx[i].groups.get(g.uuid);
      const theirs = mine && groupState(mine, keyOf(inp.db, mine.parent));
      if (theirs !== state) differs[i] = true;
    });
    const mine = idx[0].groups.get(g.uuid);
    if (!state) {
      if (mine) changes.push({ kind: 'group-deleted', uuid: g.uuid, path: mine.path() });
      continue;
    }
    if (!mine) {
      changes.push({ kind: resurrected.has(g.uuid) ? 'group-kept' : 'group-added', uuid: g.uuid, path: pathOfGroup(g, outcomes, places), detail: resurrected.has(g.uuid) ? 'deleted here, but it holds something edited elsewhere' : undefined });
      continue;
    }
    const renamed = groupProperties(mine) !== groupProperties(g.props);
    const moved = keyOf(inputs[0].db, mine.parent) !== place.parent;
    if (renamed) changes.push({ kind: 'group-updated', uuid: g.uuid, path: pathOfGroup(g, outcomes, places) });
    if (moved) changes.push({ kind: 'group-moved', uuid: g.uuid, path: pathOfGroup(g, outcomes, places) });
    if (!renamed && !moved && groupState(mine, place.parent) !== state) changes.push({ kind: 'group-updated', uuid: g.uuid, path: pathOfGroup(g, outcomes, places), detail: 'times' });
  }
}

/** A group's path in the result, from the winning names and the final places. */
function pathOfGroup(g: GroupOutcome, outcomes: Map<string, GroupOutcome>, places: Map<string, Place>): string {
  const parts: string[] = [];
  for (let k = g.uuid, n = 0; k !== ROOT && n < 10_000; k = places.get(k)!.parent, n++) parts.unshift(outcomes.get(k)!.props.name);
  return parts.join('/');
}

/** The result's entry objects: the first input's own where it had the entry (changed in place), else copies. */
function buildEntries(outcomes: EntryOutcome[], first: Indexed): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const o of outcomes) {
    const mine = first.entries.get(o.uuid);
    if (o.removed) continue;
    if (o.asIs) out.set(o.uuid, o.asIs === mine ? mine : o.asIs.clone(true));
    else if (mine) {
      assignEntry(mine, o.merged!.entry);
      o.merged!.entry = mine;
      out.set(o.uuid, mine);
    } else out.set(o.uuid, o.merged!.entry);
  }
  return out;
}

function detach<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
}

/**
 * Make the first input's tree the result's, touching only what moved, came
 * or went (a 10k-entry sync moves a handful): kept children keep their
 * order, newcomers are appended in the order the inputs list them.
 */
function buildTree(
  target: Database, first: Indexed, outcomes: Map<string, GroupOutcome>, places: Map<string, Place>, live: Set<string>, rootProps: Group,
  entries: EntryOutcome[], entryObjects: Map<string, Entry>,
): void {
  const groups = new Map<string, Group>([[ROOT, target.root]]);
  if (rootProps !== target.root && groupProperties(rootProps) !== groupProperties(target.root)) {
    const rootUuid = target.root.uuid;
    const { locationChanged } = target.root.times;
    assignProperties(target.root, rootProps);
    target.root.uuid = rootUuid;
    target.root.times.locationChanged = locationChanged;
  }
  for (const [uuid, g] of outcomes) {
    if (!live.has(uuid)) continue;
    const obj = first.groups.get(uuid) ?? new Group(g.props.name, uuid, cloneTimes(g.props.times));
    if (g.props !== obj) assignProperties(obj, g.props);
    const place = places.get(uuid)!;
    obj.times.locationChanged = place.at;
    obj.previousParentGroup = place.previousParent;
    groups.set(uuid, obj);
  }
  for (const [uuid, g] of first.groups) if (!live.has(uuid) && g.parent) detach(g.parent.groups, g);
  for (const [uuid, obj] of groups) {
    if (uuid === ROOT) continue;
    const to = groups.get(places.get(uuid)!.parent)!;
    if (obj.parent === to && first.groups.has(uuid)) continue;
    if (obj.parent) detach(obj.parent.groups, obj);
    to.addGroup(obj);
  }
  for (const o of entries) {
    const mine = first.entries.get(o.uuid);
    if (o.removed) {
      if (mine) {
        detach(mine.parent!.entries, mine);
        mine.wipe();
      }
      continue;
    }
    const obj = entryObjects.get(o.uuid)!;
    const to = groups.get(o.place.parent)!;
    if (mine && mine.parent === to) continue;
    if (mine?.parent) detach(mine.parent.entries, mine);
    to.addEntry(obj);
  }
}
