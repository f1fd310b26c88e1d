/**
 * Merging two copies of a vault so that no edit is ever lost (also used by
 * `stv merge` and when a save finds the file changed on disk).
 *
 * Entries and groups are matched by UUID. For an entry on both sides:
 * - same content → keep it, union the histories;
 * - one side's version is in the other's history → fast-forward;
 * - otherwise the edits are concurrent: the later one becomes current, the
 *   other goes into history, the entry is tagged `stickvault-conflict` and
 *   the pair is reported.
 * Histories are unioned by content fingerprint, sorted by time, and never
 * repeat the current version, so the result is the same whatever the order
 * of merging (commutative, associative, idempotent by content). Causality
 * comes from history content; times only break ties, so clock skew between
 * machines cannot lose an edit. A deletion loses to any version of the
 * entry edited at or after it, and this is reported.
 *
 * Known limit: KDBX records a deletion only as UUID + time, so when a
 * deletion races an edit whose clock runs behind, which one survives can
 * depend on the order of merges. (Recording the deleted versions' content
 * fingerprints with the deletion would make this exact.)
 */
import type { Database, Entry, Group } from '../vault/index.js';
import { cloneTimes, parseTime } from '../vault/index.js';
import { CONFLICT_TAG, fingerprint, surelySameContent } from './fingerprint.js';

export interface Change {
  kind: 'added' | 'updated' | 'deleted' | 'moved' | 'conflict' | 'kept' | 'group-added' | 'group-updated' | 'group-moved' | 'group-deleted' | 'meta';
  uuid: string;
  path: string;
  detail?: string;
}

export interface Conflict {
  uuid: string;
  path: string;
  local: { title: string; modified: string };
  remote: { title: string; modified: string };
  winner: 'local' | 'remote';
}

export interface MergeReport {
  changes: Change[];
  conflicts: Conflict[];
  added: number;
  updated: number;
  deleted: number;
}

const time = (d: Date) => d.getTime();

/**
 * The latest edit known for an entry: its current version or any in its
 * history. A deletion wins only if it is later than all of them — judged on
 * every version known, the outcome cannot depend on the order of merges
 * (a clock running behind can make an old version look newer than its edit).
 */
function latestEdit(e: Entry): number {
  let t = time(e.times.lastModification);
  for (const h of e.history) t = Math.max(t, time(h.times.lastModification));
  return t;
}

/** Per merge, so a plain Map (faster than a WeakMap for ~20k entries). */
class Fingerprints {
  #cache = new Map<Entry, string>();
  /** After an entry's content changed in place. */
  forget(e: Entry): void {
    this.#cache.delete(e);
  }
  of(e: Entry): string {
    let f = this.#cache.get(e);
    if (f === undefined) {
      f = fingerprint(e);
      this.#cache.set(e, f);
    }
    return f;
  }
}

function indexEntries(db: Database): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const e of db.entries()) m.set(e.uuid, e);
  return m;
}

function indexGroups(db: Database): Map<string, Group> {
  const m = new Map<string, Group>();
  for (const g of db.root.allGroups()) m.set(g.uuid, g);
  return m;
}

/** Copy the content of `src` (not its history, parent or identity) onto `dst`. */
function copyContent(dst: Entry, src: Entry): void {
  const c = src.clone(false);
  dst.fields = c.fields;
  dst.attachments = c.attachments;
  dst.tags = c.tags;
  dst.iconId = c.iconId;
  dst.customIconUuid = c.customIconUuid;
  dst.foregroundColor = c.foregroundColor;
  dst.backgroundColor = c.backgroundColor;
  dst.overrideUrl = c.overrideUrl;
  dst.qualityCheck = c.qualityCheck;
  dst.customData = c.customData;
  dst.autoType = c.autoType;
  dst.extra = c.extra;
  const loc = dst.times.locationChanged;
  dst.times = cloneTimes(c.times);
  dst.times.locationChanged = loc;
}

/** Deterministic order of versions: by modification time, then fingerprint. */
function byTimeThenFp(fp: Fingerprints) {
  return (a: Entry, b: Entry) => time(a.times.lastModification) - time(b.times.lastModification) || (fp.of(a) < fp.of(b) ? -1 : fp.of(a) > fp.of(b) ? 1 : 0);
}

/** The merged history: every version of both sides once, oldest first, not repeating the current one. */
function unionHistory(fp: Fingerprints, current: Entry, versions: Entry[]): Entry[] {
  if (!versions.length) return [];
  const currentFp = fp.of(current);
  const seen = new Map<string, Entry>();
  for (const v of versions.sort(byTimeThenFp(fp))) {
    const f = fp.of(v);
    if (f === currentFp || seen.has(f)) continue;
    const copy = v.clone(false);
    copy.tags = copy.tags.filter((t) => t !== CONFLICT_TAG);
    copy.history = [];
    seen.set(f, copy);
  }
  return [...seen.values()];
}

export function mergeDatabases(local: Database, remote: Database): MergeReport {
  const report: MergeReport = { changes: [], conflicts: [], added: 0, updated: 0, deleted: 0 };
  const fp = new Fingerprints();
  const localGroups = indexGroups(local);
  const remoteGroups = indexGroups(remote);

  // 1. Deletion records: union, latest time per UUID.
  for (const [id, at] of remote.deletedObjects) {
    const mine = local.deletedObjects.get(id);
    if (!mine || time(at) > time(mine)) local.deletedObjects.set(id, at);
  }

  // 2. Groups, parents before children.
  for (const rg of remote.root.allGroups()) {
    if (rg === remote.root) {
      mergeGroupProps(local.root, rg, report);
      continue;
    }
    const lg = localGroups.get(rg.uuid);
    if (!lg) {
      const deletedAt = local.deletedObjects.get(rg.uuid);
      if (deletedAt && time(deletedAt) > time(rg.times.lastModification) && !hasLiveContent(rg, local)) continue;
      const parent = localGroups.get(rg.parent!.uuid) ?? local.root;
      const g = cloneGroupShallow(rg);
      parent.addGroup(g);
      localGroups.set(g.uuid, g);
      local.deletedObjects.delete(g.uuid);
      report.changes.push({ kind: 'group-added', uuid: g.uuid, path: g.path() });
      continue;
    }
    mergeGroupProps(lg, rg, report);
    // Location: the latest move wins (ties by parent UUID), and its time carries forward.
    const rParent = rg.parent!.uuid;
    if (lg.parent && laterLocation(rg.times.locationChanged, rParent, lg.times.locationChanged, lg.parent.uuid)) {
      const target = localGroups.get(rParent);
      if (target && target !== lg && !lg.isAncestorOf(target)) {
        if (target !== lg.parent) {
          detach(lg.parent.groups, lg);
          target.addGroup(lg);
          lg.previousParentGroup = rg.previousParentGroup;
          report.changes.push({ kind: 'group-moved', uuid: lg.uuid, path: lg.path() });
        }
        lg.times.locationChanged = rg.times.locationChanged;
      }
    }
  }

  // 3. Entries.
  const localEntries = indexEntries(local);
  for (const re of remote.entries()) {
    const le = localEntries.get(re.uuid);
    if (!le) {
      const deletedAt = local.deletedObjects.get(re.uuid);
      if (deletedAt && time(deletedAt) > latestEdit(re)) continue; // an edit in the same second wins
      if (deletedAt) report.changes.push({ kind: 'kept', uuid: re.uuid, path: re.path(), detail: 'edited after it was deleted elsewhere; the edit wins' });
      const parent = localGroups.get(re.parent!.uuid) ?? local.root;
      const e = re.clone(true);
      e.history = unionHistory(fp, e, e.history);
      parent.addEntry(e);
      local.deletedObjects.delete(e.uuid);
      report.added++;
      report.changes.push({ kind: 'added', uuid: e.uuid, path: e.path() });
      continue;
    }
    mergeEntry(le, re, local, localGroups, fp, report);
  }

  // 4. Entries only here that the other side deleted.
  const remoteEntries = indexEntries(remote);
  for (const le of [...local.entries()]) {
    if (remoteEntries.has(le.uuid)) continue;
    const deletedAt = remote.deletedObjects.get(le.uuid);
    if (!deletedAt) continue;
    if (time(deletedAt) > latestEdit(le)) {
      const path = le.path();
      detach(le.parent!.entries, le);
      le.wipe();
      report.deleted++;
      report.changes.push({ kind: 'deleted', uuid: le.uuid, path });
    } else {
      local.deletedObjects.delete(le.uuid);
      report.changes.push({ kind: 'kept', uuid: le.uuid, path: le.path(), detail: 'edited after it was deleted elsewhere; the edit wins' });
    }
  }

  // 5. Groups the other side deleted, if nothing live is left in them.
  for (const lg of [...local.root.allGroups()].reverse()) {
    if (lg === local.root || remoteGroups.has(lg.uuid)) continue;
    const deletedAt = remote.deletedObjects.get(lg.uuid);
    if (!deletedAt || time(deletedAt) <= time(lg.times.lastModification)) continue;
    if (lg.entries.length || lg.groups.length) continue;
    const path = lg.path();
    detach(lg.parent!.groups, lg);
    report.changes.push({ kind: 'group-deleted', uuid: lg.uuid, path });
  }
  // Anything that survived is not deleted; every history in one canonical form,
  // so the result does not depend on which side an entry came from.
  for (const e of local.entries()) {
    local.deletedObjects.delete(e.uuid);
    e.history = unionHistory(fp, e, e.history);
  }
  for (const g of local.root.allGroups()) local.deletedObjects.delete(g.uuid);

  mergeMeta(local, remote, report);
  return report;
}

function mergeEntry(le: Entry, re: Entry, local: Database, groups: Map<string, Group>, fp: Fingerprints, report: MergeReport): void {
  const allVersions = [...le.history, ...re.history];
  if (surelySameContent(le, re) || fp.of(le) === fp.of(re)) {
    // Same content: keep the later metadata; a conflict tag on either side stays.
    const tagged = le.tags.includes(CONFLICT_TAG) || re.tags.includes(CONFLICT_TAG);
    if (time(re.times.lastModification) > time(le.times.lastModification)) copyContent(le, re);
    if (tagged && !le.tags.includes(CONFLICT_TAG)) le.tags.push(CONFLICT_TAG);
    // No fp.forget(le): its content stays the same, and the tag is not fingerprinted.
  } else {
    // The path before this merge changes the entry; unchanged pairs (nearly all) report nothing.
    const path = le.path();
    const lf = fp.of(le);
    const rf = fp.of(re);
    const remoteKnowsLocal = re.history.some((h) => fp.of(h) === lf);
    const localKnowsRemote = le.history.some((h) => fp.of(h) === rf);
    if (remoteKnowsLocal && !localKnowsRemote) {
      allVersions.push(le.clone(false));
      copyContent(le, re);
      fp.forget(le);
      report.updated++;
      report.changes.push({ kind: 'updated', uuid: le.uuid, path });
    } else if (!localKnowsRemote || remoteKnowsLocal) {
      // Concurrent edits (or both know each other: a cycle, treated the same).
      const remoteWins = time(re.times.lastModification) > time(le.times.lastModification) || (time(re.times.lastModification) === time(le.times.lastModification) && rf > lf);
      const localCopy = le.clone(false);
      allVersions.push(localCopy, re.clone(false));
      report.conflicts.push({
        uuid: le.uuid,
        path,
        local: { title: le.title, modified: le.times.lastModification.toISOString() },
        remote: { title: re.title, modified: re.times.lastModification.toISOString() },
        winner: remoteWins ? 'remote' : 'local',
      });
      if (remoteWins) copyContent(le, re);
      if (!le.tags.includes(CONFLICT_TAG)) le.tags.push(CONFLICT_TAG);
      fp.forget(le);
      report.updated++;
      report.changes.push({ kind: 'conflict', uuid: le.uuid, path, detail: `kept the ${remoteWins ? 'other' : 'local'} version; the other is in history` });
    }
  }
  le.history = unionHistory(fp, le, allVersions);
  // Location: the latest move wins (ties by parent UUID), and its time carries forward.
  if (le.parent && re.parent && laterLocation(re.times.locationChanged, re.parent.uuid, le.times.locationChanged, le.parent.uuid)) {
    const target = groups.get(re.parent.uuid);
    if (target && target !== le.parent) {
      detach(le.parent.entries, le);
      target.addEntry(le);
      le.previousParentGroup = re.previousParentGroup;
      report.changes.push({ kind: 'moved', uuid: le.uuid, path: le.path() });
    }
    if (target) le.times.locationChanged = re.times.locationChanged;
  }
  void local;
}

function laterLocation(theirs: Date, theirParent: string, ours: Date, ourParent: string): boolean {
  return time(theirs) > time(ours) || (time(theirs) === time(ours) && theirParent > ourParent);
}

function mergeGroupProps(lg: Group, rg: Group, report: MergeReport): void {
  if (time(rg.times.lastModification) <= time(lg.times.lastModification)) {
    mergeCustomData(lg.customData, rg.customData);
    return;
  }
  const changed = lg.name !== rg.name || lg.notes !== rg.notes || lg.iconId !== rg.iconId;
  lg.name = rg.name;
  lg.notes = rg.notes;
  lg.tags = rg.tags;
  lg.iconId = rg.iconId;
  lg.customIconUuid = rg.customIconUuid;
  lg.isExpanded = rg.isExpanded;
  lg.defaultAutoTypeSequence = rg.defaultAutoTypeSequence;
  lg.enableAutoType = rg.enableAutoType;
  lg.enableSearching = rg.enableSearching;
  const loc = lg.times.locationChanged;
  lg.times = { ...cloneTimes(rg.times), locationChanged: loc };
  mergeCustomData(lg.customData, rg.customData);
  if (changed) report.changes.push({ kind: 'group-updated', uuid: lg.uuid, path: lg.path() });
}

function mergeCustomData(into: Map<string, { value: string; lastModified?: Date }>, from: Map<string, { value: string; lastModified?: Date }>): void {
  for (const [k, v] of from) {
    const mine = into.get(k);
    if (!mine) into.set(k, { ...v });
    else if (mine.value !== v.value) {
      const a = mine.lastModified?.getTime() ?? 0;
      const b = v.lastModified?.getTime() ?? 0;
      if (b > a || (b === a && v.value > mine.value)) into.set(k, { ...v });
    }
  }
}

function mergeMeta(local: Database, remote: Database, report: MergeReport): void {
  const before = local.meta.customData.size;
  mergeCustomData(local.meta.customData, remote.meta.customData);
  if (local.meta.customData.size !== before) report.changes.push({ kind: 'meta', uuid: '', path: '', detail: 'database settings merged' });
  const icons = new Set(local.meta.customIcons.map((i) => i.uuid));
  for (const i of remote.meta.customIcons) if (!icons.has(i.uuid)) local.meta.customIcons.push({ ...i });
  const lName = local.meta.text('DatabaseNameChanged');
  const rName = remote.meta.text('DatabaseNameChanged');
  if (rName && lName && remote.meta.databaseName !== local.meta.databaseName) {
    if (parseTime(rName).getTime() > parseTime(lName).getTime()) {
      local.meta.setText('DatabaseName', remote.meta.databaseName);
      local.meta.setText('DatabaseNameChanged', rName);
    }
  }
  if (local.meta.recycleBinUuid === '00000000000000000000000000000000' && remote.meta.recycleBinUuid !== local.meta.recycleBinUuid && local.findGroup(remote.meta.recycleBinUuid)) {
    local.meta.recycleBinUuid = remote.meta.recycleBinUuid;
  }
}



function hasLiveContent(rg: Group, local: Database): boolean {
  for (const e of rg.allEntries()) {
    const d = local.deletedObjects.get(e.uuid);
    if (!d || time(d) <= latestEdit(e)) return true;
  }
  return false;
}

function cloneGroupShallow(g: Group): Group {
  const c = Object.assign(Object.create(Object.getPrototypeOf(g)) as Group, g);
  c.entries = [];
  c.groups = [];
  c.parent = undefined;
  c.times = cloneTimes(g.times);
  c.customData = new Map([...g.customData].map(([k, v]) => [k, { ...v }]));
  c.extra = [...g.extra];
  return c;
}

function detach<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
}
