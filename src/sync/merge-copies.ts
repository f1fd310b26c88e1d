/**
 * TEMPORARY ADAPTER — the n-way merge API that src/vault/merge/ provides on
 * the merge branch (mergeCopies: every copy with its own base, one result),
 * implemented here over today's pairwise mergeDatabases so that the sync
 * engine works and its tests run before both branches meet. When they do,
 * this file becomes a re-export of the real module; the engine imports it in
 * one place (engine.ts).
 *
 * What the adapter does: folds every other input into inputs[0] (the only
 * input it mutates) in a canonical order (by a content digest, never by
 * which copy is local); puts the entries and subgroups of each group in one
 * order (by creation time, then UUID: pairwise merging appends what it adds,
 * so the order would depend on which copy came first); ignores the bases
 * (the pairwise merge has no use for them); reports changes relative to inputs[0], the fields that conflict,
 * and for each input whether the result differs from it.
 */
import { createHash } from 'node:crypto';
import { ProtectedValue } from '../secret/index.js';
import { contentDigest, Entry, sameDigest, type Database, type Group } from '../vault/index.js';
import { mergeDatabases, type Change } from './merge.js';
import { CONFLICT_TAG, fingerprint } from './fingerprint.js';

export type { Change };

/** Two or more copies changed the same fields of an entry differently. Names only — never values. */
export interface FieldConflict {
  uuid: string;
  path: string;
  /** The fields whose values differ between the concurrent versions. */
  fields: string[];
  /** Labels of the inputs whose versions conflict. */
  sources: string[];
}

export interface MergeInput {
  db: Database;
  base?: Database;
  label: string;
}

export interface MergeResult {
  /** The merged database (may be inputs[0].db, mutated). */
  db: Database;
  /** Relative to inputs[0]. */
  changes: Change[];
  conflicts: FieldConflict[];
  /** Per input: the result differs from it in any way. */
  differs: boolean[];
}

export function mergeCopies(inputs: MergeInput[], o: { now?: Date } = {}): MergeResult {
  void o;
  if (!inputs.length) throw new Error('mergeCopies needs at least one input');
  const sigs = inputs.map((i) => signature(i.db));
  const before = snapshot(inputs[0].db);
  const acc = inputs[0].db;
  const order = inputs.map((_, i) => i).slice(1).sort((a, b) => cmp(sigs[a], sigs[b]) || cmp(inputs[a].label, inputs[b].label));
  const conflicted = new Set<string>();
  for (const i of order) for (const c of mergeDatabases(acc, inputs[i].db).conflicts) conflicted.add(c.uuid);
  canonicalOrder(acc);

  const resultSig = signature(acc);
  let resultFull: string | undefined;
  const differs = inputs.map((input, i) => {
    if (!sameDigest(sigs[i], resultSig)) return true;
    // Everything pairwise merging changes shows in the signature, so an equal one means inputs[0] was left as it was.
    if (i === 0) return false;
    resultFull ??= contentDigest(acc);
    return !sameDigest(contentDigest(input.db), resultFull);
  });
  return { db: acc, changes: changesSince(before, acc, conflicted), conflicts: fieldConflicts(inputs, before, acc, conflicted), differs };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function canonicalOrder(db: Database): void {
  const byCreation = (a: Entry | Group, b: Entry | Group) => a.times.creation.getTime() - b.times.creation.getTime() || cmp(a.uuid, b.uuid);
  for (const g of [...db.root.allGroups()]) {
    g.entries.sort(byCreation);
    g.groups.sort(byCreation);
  }
}
const t = (d: Date | undefined) => (d ? d.getTime() : '');

/**
 * A digest of everything pairwise merging can change, without hashing
 * content: the tree (order included), each entry's and group's times, tags,
 * custom data and location, each history item's time and tags, deletions,
 * and the merged parts of Meta. mergeDatabases never changes an entry's
 * content without changing its times or its history, so two equal
 * signatures of one database before and after a merge mean it was not
 * changed; for two different databases equal signatures prove nothing (the
 * full contentDigest decides).
 */
function signature(db: Database): string {
  const h = createHash('sha256');
  const put = (...parts: unknown[]) => h.update(parts.join('\u0001') + '\u0000');
  const times = (x: Entry | Group) => {
    const m = x.times;
    return `${t(m.creation)},${t(m.lastModification)},${t(m.lastAccess)},${t(m.expiry)},${m.expires},${m.usageCount},${t(m.locationChanged)}`;
  };
  const customData = (m: Map<string, { value: string; lastModified?: Date }>) => [...m].map(([k, v]) => `${k}=${v.value}@${t(v.lastModified)}`).join('\u0002');
  for (const g of db.root.allGroups()) {
    put('G', g.uuid, g.parent?.uuid, g.name, g.notes, g.tags, g.iconId, g.customIconUuid, g.isExpanded, g.defaultAutoTypeSequence, g.enableAutoType, g.enableSearching, times(g), customData(g.customData), g.previousParentGroup);
    for (const e of g.entries) {
      put('E', e.uuid, e.tags.join(','), times(e), e.previousParentGroup, e.hasCustomData ? customData(e.customData) : '', e.history.length);
      for (const v of e.history) put('H', t(v.times.lastModification), v.tags.join(','));
    }
  }
  for (const [id, at] of [...db.deletedObjects].sort((a, b) => cmp(a[0], b[0]))) put('D', id, t(at));
  put('M', customData(db.meta.customData), db.meta.customIcons.map((i) => i.uuid).join(','), db.meta.databaseName, db.meta.text('DatabaseNameChanged'), db.meta.recycleBinUuid);
  return h.digest('hex');
}

/**
 * The entry as it is now, rebuilt on demand from the parts merging replaces
 * rather than changes in place (fields, times, tags, attachments, history…),
 * so keeping it costs a few references per entry instead of a clone.
 */
function asItWas(e: Entry): () => Entry {
  const { uuid, times, fields, tags, history, iconId, customIconUuid, foregroundColor, backgroundColor, overrideUrl, qualityCheck, autoType } = e;
  const attachments = e.hasAttachments ? e.attachments : undefined;
  const customData = e.hasCustomData ? e.customData : undefined;
  return () => {
    const x = new Entry(uuid, times, autoType ?? null);
    Object.assign(x, { fields, tags: [...tags], history, iconId, customIconUuid, foregroundColor, backgroundColor, overrideUrl, qualityCheck });
    if (attachments) x.attachments = attachments;
    if (customData) x.customData = customData;
    return x;
  };
}

const editStamp = (e: Entry) => `${e.times.lastModification.getTime()}/${e.history.length}`;

interface Snapshot {
  /** `edit`: when and how often it was edited (the change list needs no content hashes); `was`: the entry as it was, for conflicts. */
  entries: Map<string, { edit: string; parent?: string; path: string; was: () => Entry }>;
  groups: Map<string, { name: string; parent?: string; path: string }>;
}

function snapshot(db: Database): Snapshot {
  const s: Snapshot = { entries: new Map(), groups: new Map() };
  for (const g of db.root.allGroups()) s.groups.set(g.uuid, { name: g.name, parent: g.parent?.uuid, path: g.path() });
  for (const e of db.entries()) s.entries.set(e.uuid, { edit: editStamp(e), parent: e.parent?.uuid, path: e.path(), was: asItWas(e) });
  return s;
}

function changesSince(before: Snapshot, db: Database, conflicted: Set<string>): Change[] {
  const changes: Change[] = [];
  const seenGroups = new Set<string>();
  for (const g of db.root.allGroups()) {
    seenGroups.add(g.uuid);
    const was = before.groups.get(g.uuid);
    if (!was) changes.push({ kind: 'group-added', uuid: g.uuid, path: g.path() });
    else if (was.parent !== g.parent?.uuid) changes.push({ kind: 'group-moved', uuid: g.uuid, path: g.path(), detail: `from ${was.path}` });
    else if (was.name !== g.name) changes.push({ kind: 'group-updated', uuid: g.uuid, path: g.path(), detail: `was ${was.path}` });
  }
  for (const [uuid, was] of before.groups) if (!seenGroups.has(uuid)) changes.push({ kind: 'group-deleted', uuid, path: was.path });
  const seen = new Set<string>();
  for (const e of db.entries()) {
    seen.add(e.uuid);
    const was = before.entries.get(e.uuid);
    if (!was) changes.push({ kind: 'added', uuid: e.uuid, path: e.path() });
    else {
      if (conflicted.has(e.uuid)) changes.push({ kind: 'conflict', uuid: e.uuid, path: e.path(), detail: 'concurrent edits: both versions kept, one in history' });
      else if (was.edit !== editStamp(e)) changes.push({ kind: 'updated', uuid: e.uuid, path: e.path() });
      if (was.parent !== e.parent?.uuid) changes.push({ kind: 'moved', uuid: e.uuid, path: e.path(), detail: `from ${was.path}` });
    }
  }
  for (const [uuid, was] of before.entries) if (!seen.has(uuid)) changes.push({ kind: 'deleted', uuid, path: was.path });
  return changes;
}

/** For each conflicted entry: the versions no other copy had seen (the heads), which fields differ between them, and whose they were. */
function fieldConflicts(inputs: MergeInput[], before: Snapshot, result: Database, conflicted: Set<string>): FieldConflict[] {
  if (!conflicted.size) return [];
  const index = (db: Database) => new Map([...db.entries()].filter((e) => conflicted.has(e.uuid)).map((e) => [e.uuid, e]));
  const merged = index(result);
  const others = inputs.map((input, i) => (i === 0 ? undefined : index(input.db)));
  const out: FieldConflict[] = [];
  for (const uuid of conflicted) {
    const now = merged.get(uuid);
    if (!now) continue;
    // Each version with the fingerprints of what it had seen (inputs[0]'s as it was before the merge).
    const versions: { label: string; entry: Entry; fp: string; seen: string[] }[] = [];
    const snap = before.entries.get(uuid);
    if (snap) {
      const was = snap.was();
      versions.push({ label: inputs[0].label, entry: was, fp: fingerprint(was), seen: was.history.map(fingerprint) });
    }
    for (const [i, m] of others.entries()) {
      const e = m?.get(uuid);
      if (e) versions.push({ label: inputs[i].label, entry: e, fp: fingerprint(e), seen: e.history.map(fingerprint) });
    }
    const heads = versions.filter((v) => !versions.some((w) => w.fp !== v.fp && w.seen.includes(v.fp)));
    const distinct = [...new Map(heads.map((v) => [v.fp, v.entry])).values()];
    out.push({ uuid, path: now.path(), fields: differingFields(distinct), sources: [...new Set(heads.map((v) => v.label))] });
  }
  return out.sort((a, b) => cmp(a.path, b.path) || cmp(a.uuid, b.uuid));
}

function differingFields(versions: Entry[]): string[] {
  const names = new Set<string>();
  const keys = new Set(versions.flatMap((v) => [...v.fields.keys()]));
  for (const k of keys) {
    const vals = versions.map((v) => v.fields.get(k));
    if (vals.some((v) => !sameValue(v, vals[0]))) names.add(k);
  }
  const tags = (e: Entry) => e.tags.filter((x) => x !== CONFLICT_TAG).sort().join(',');
  if (versions.some((v) => tags(v) !== tags(versions[0]))) names.add('Tags');
  const atts = (e: Entry) => [...e.attachments.keys()].sort().join(',');
  if (versions.some((v) => atts(v) !== atts(versions[0]))) names.add('Attachments');
  if (!names.size) names.add('(other properties)');
  return [...names].sort();
}

function sameValue(a: string | ProtectedValue | undefined, b: string | ProtectedValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a instanceof ProtectedValue && b instanceof ProtectedValue) return a.equals(b);
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return false;
}
