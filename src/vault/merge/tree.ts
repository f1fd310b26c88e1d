/**
 * The n-way merge of whole databases: every entry and group UUID any input
 * holds is decided once (decide.ts, entries.ts, deletions.ts, groups.ts), what
 * the result changes is worked out (compare.ts), then the first input's tree
 * is rebuilt to the result (build.ts) and Meta and the deletion records merged.
 */
import { groupProperties, groupVersionId, seconds } from './fingerprint.js';
import { Tokens } from './fields.js';
import { DeletionLedger, deletionInfo, type DeletionSources } from './deletions.js';
import { ROOT, placeGroups, propsCandidate, rankPlaces, winningProperties, type Place } from './groups.js';
import { mergeMeta, mergedSettings, metaDifferences, metaState } from './meta.js';
import { effectiveGroupVersion, readSeen, tombstone, undoneMove, undoneMoveToken, writeSeen, type SeenSets } from './seen.js';
import { knowledge, VersionIds, type EntryCopy } from './versions.js';
import { decideEntry, everywhereTheSame, index, keyOf, tombPlace, unionKeys, type EntryOutcome, type GroupOutcome } from './decide.js';
import { compareEntries, compareGroups } from './compare.js';
import { buildEntries, buildTree, canonicalChildOrder, childOrders } from './build.js';
import type { Group } from '../model/group.js';
import type { Change, FieldConflict, MergeInput, MergeResult } from './index.js';

export function mergeGroupsAndEntries(inputs: MergeInput[], now: Date): MergeResult {
  const target = inputs[0].db;
  const idx = inputs.map((i) => index(i.db));
  const bidx = inputs.map((i) => i.base && index(i.base));
  const baseSeen = inputs.map((i) => i.base && readSeen(i.base));
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
  const differing: string[] = [];
  for (const uuid of unionKeys(idx.map((x) => x.entries))) {
    const parent = everywhereTheSame(uuid, inputs, idx, mentioned);
    if (parent !== undefined) unchangedIn.add(parent);
    else differing.push(uuid);
  }
  // Only these entries' bases are read, so a caller may give bases read lazily (sync does: a base is a
  // whole vault, and nearly all of it is the same everywhere). They are read here, before anything
  // changes: a malformed one (CorruptFileError) stops the merge with every input as it was.
  for (const uuid of differing) for (const b of bidx) b?.entries.get(uuid)?.load();
  for (const uuid of differing) {
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
  const best = new Map<string, Place>();
  for (const uuid of knownGroups) {
    const copies: GroupOutcome['copies'] = [];
    const present = idx.map((x, i) => {
      const group = x.groups.get(uuid);
      if (group) copies.push({ input: i, group, parent: keyOf(inputs[i].db, group.parent), base: bidx[i]?.groups.get(uuid) });
      return Boolean(group);
    });
    const deletion = deletionInfo(uuid, src, present, (i) => {
      const b = bidx[i]?.groups.get(uuid);
      return b && [effectiveGroupVersion(b, inputs[i].base!.root, baseSeen[i])];
    });
    const propsCands = copies.map((c) => propsCandidate(c.group, !c.base || groupProperties(c.base) !== groupProperties(c.group)));
    const tombProps = tombstone(deletion?.seen, 'g');
    const props = winningProperties(tombProps ? [...propsCands, { hash: tombProps.value, at: tombProps.at, changed: true }] : propsCands);
    const copyPlaces = (groups?: Set<string>) => copies.map((c) => {
      const place = weighedPlace(c.group, c.parent, src.seenIn[c.input], groups);
      const base = c.base && weighedPlace(c.base, keyOf(inputs[c.input].base!, c.base.parent), baseSeen[c.input], groups);
      return { ...place, moved: !base || base.parent !== place.parent };
    });
    const places = rankPlaces([...copyPlaces(knownGroups), ...tombPlace(deletion, knownGroups)]);
    // The winning write, also when it put the group into one a merge has removed since (a place that
    // can no longer be taken, but still beats older writes): what a deletion must have seen, and what
    // a later merge must weigh.
    const winner = rankPlaces([...copyPlaces(), ...tombPlace(deletion)])[0];
    best.set(uuid, winner);
    let deleted = false;
    if (deletion) {
      // The version that would survive, as the copies' writes (and those of copies merged away) decide it.
      const merged = groupVersionId(props.hash, props.at, winner.parent, winner.at);
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
  const orders = childOrders(idx);
  const entryObjects = buildEntries(entryOutcomes, idx[0]);
  buildTree(target, idx[0], groupOutcomes, places, liveGroups, rootProps, entryOutcomes, entryObjects);
  canonicalChildOrder(target, orders);
  const pathOf = (uuid: string) => entryObjects.get(uuid)?.path() ?? '';
  for (const c of pending.changes) changes.push({ ...c, path: pathOf(c.uuid) });
  for (const c of pending.conflicts) conflicts.push({ ...c, path: pathOf(c.uuid) });

  // 5. Deletion records and Meta.
  const removed = new Set(entryOutcomes.filter((o) => o.removed).map((o) => o.uuid));
  const isLive = (uuid: string) => liveGroups.has(uuid) || (!removed.has(uuid) && idx.some((x) => x.entries.has(uuid)));
  for (const uuid of [...ledger.deletedObjects.keys(), ...ledger.seen.keys()]) if (isLive(uuid)) ledger.live(uuid);
  const undone = new Map<string, string>();
  for (const g of groupOutcomes.values()) {
    const place = best.get(g.uuid)!;
    if (liveGroups.has(g.uuid)) {
      // The winning place where a cycle undid it (or into a group that is gone): what a later merge must weigh.
      if (places.get(g.uuid)!.parent !== place.parent) undone.set(g.uuid, undoneMoveToken(place));
      continue;
    }
    ledger.removed(g.uuid, g.deletion?.at ?? now);
    ledger.tombstone(g.uuid, 'p', { value: place.parent, at: place.at });
    ledger.tombstone(g.uuid, 'g', { value: g.propsCandidate.hash, at: g.propsCandidate.at });
  }
  ledger.undoneMoves(undone);
  target.deletedObjects = canonicalDeletions(ledger.deletedObjects);
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

/** DeletedObjects in one order whatever the order of the inputs (by time, then UUID), so every copy ends byte-identical. */
function canonicalDeletions(records: Map<string, Date>): Map<string, Date> {
  return new Map([...records].sort(([u1, t1], [u2, t2]) => seconds(t1) - seconds(t2) || (u1 < u2 ? -1 : u1 > u2 ? 1 : 0)));
}

/** Same records in the same order: an order-only difference is saved too, or copies would differ in bytes. */
function sameDeleted(a: Map<string, Date>, b: Map<string, Date>): boolean {
  if (a.size !== b.size) return false;
  const bs = [...b];
  return [...a].every(([k, v], i) => bs[i][0] === k && seconds(bs[i][1]) === seconds(v));
}

/**
 * A copy's place for a group as the merge weighs it: where the copy has it,
 * or the move a cycle undid there (seen.ts) while it still stands — given
 * `groups`, only if that move's parent is one of them.
 */
function weighedPlace(g: Group, parent: string, seen: SeenSets | undefined, groups?: Set<string>): Omit<Place, 'moved'> {
  const undone = undoneMove(seen, g);
  if (undone && (!groups || undone.parent === ROOT || groups.has(undone.parent))) return undone;
  return { parent, at: g.times.locationChanged, previousParent: g.previousParentGroup };
}
