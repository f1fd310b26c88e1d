/** Rebuilding the first input's tree into the result of an n-way merge. */
import type { Database } from '../model/database.js';
import type { Entry } from '../model/entry.js';
import { Group } from '../model/group.js';
import { cloneTimes } from '../model/times.js';
import { groupProperties } from './fingerprint.js';
import { ROOT, assignProperties, type Place } from './groups.js';
import { assignEntry } from './state.js';
import type { EntryOutcome, GroupOutcome, Indexed } from './decide.js';

/** The result's entry objects: the first input's own where it had the entry (changed in place), else copies. */
export function buildEntries(outcomes: EntryOutcome[], first: Indexed): Map<string, Entry> {
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
export function buildTree(
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
