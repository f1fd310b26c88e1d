/**
 * What the result of an n-way merge changed: whether it differs from each
 * input (`differs`), and the change list and new conflicts against the first —
 * worked out before the first input's tree is rebuilt.
 */
import type { Entry } from '../model/entry.js';
import type { Group } from '../model/group.js';
import { groupProperties } from './fingerprint.js';
import { Tokens, differingFields, fieldLabel } from './fields.js';
import { ROOT, type Place } from './groups.js';
import { DELETED_FIELD, readConflict } from './records.js';
import { groupState, sameEntryState } from './state.js';
import type { VersionIds } from './versions.js';
import { keyOf, type EntryOutcome, type GroupOutcome, type Indexed } from './decide.js';
import type { Change, ConflictSide, FieldConflict, MergeInput } from './index.js';

/** Changes and conflicts against the first input; their paths are filled in once the tree is built. */
export interface Pending {
  changes: Omit<Change, 'path'>[];
  conflicts: Omit<FieldConflict, 'path'>[];
}

/** The result entry's state for comparison: the merged one, or the copy taken as it is. */
function resultEntry(o: EntryOutcome): Entry | undefined {
  return o.removed ? undefined : o.merged?.entry ?? o.asIs;
}

export function compareEntries(
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

export function compareGroups(
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
