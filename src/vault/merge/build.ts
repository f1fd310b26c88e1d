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

/**
 * Children of each group in one order whatever input came first: where the
 * inputs list a group's children differently (one added, another removed
 * or moved), their lists are taken in a canonical order (by content, not by
 * input position) and woven together, each newcomer placed after its
 * predecessor in the list that has it. Where every input agrees, nothing moves.
 */
export type ChildOrders = Map<string, { entries: string[][]; groups: string[][] }>;

/** Each input's order of each group's children, taken before the first input's tree is rebuilt. */
export function childOrders(idx: Indexed[]): ChildOrders {
  const out: ChildOrders = new Map();
  for (const x of idx) {
    for (const g of x.db.root.allGroups()) {
      const key = g === x.db.root ? ROOT : g.uuid;
      let o = out.get(key);
      if (!o) out.set(key, (o = { entries: [], groups: [] }));
      o.entries.push(g.entries.map((e) => e.uuid));
      o.groups.push(g.groups.map((c) => c.uuid));
    }
  }
  return out;
}

export function canonicalChildOrder(target: Database, orders: ChildOrders): void {
  for (const g of target.root.allGroups()) {
    const o = orders.get(g === target.root ? ROOT : g.uuid);
    if (!o) continue;
    g.entries = woven(g.entries, o.entries);
    g.groups = woven(g.groups, o.groups);
  }
}

function woven<T extends { uuid: string }>(result: T[], lists: string[][]): T[] {
  const ids = result.map((x) => x.uuid);
  const here = new Set(ids);
  const seqs = lists.map((l) => l.filter((u) => here.has(u)));
  if (seqs.every((s) => s.length === ids.length && s.every((u, i) => u === ids[i]))) return result;
  const canonical = [...new Map(seqs.map((s) => [s.join(','), s])).values()].sort((a, b) => (a.join(',') < b.join(',') ? -1 : 1));
  // A linked list ('' is its head): a 10k-entry group takes each insertion in constant time.
  const next = new Map<string, string | undefined>([['', undefined]]);
  for (const seq of canonical) {
    let prev = '';
    for (const u of seq) {
      if (!next.has(u)) {
        next.set(u, next.get(prev));
        next.set(prev, u);
      }
      prev = u;
    }
  }
  for (const u of [...ids].sort()) if (!next.has(u)) {
    let last = '';
    while (next.get(last) !== undefined) last = next.get(last)!;
    next.set(u, undefined);
    next.set(last, u);
  }
  const order: string[] = [];
  for (let u = next.get(''); u !== undefined; u = next.get(u)) order.push(u);
  const byId = new Map(result.map((x) => [x.uuid, x]));
  return order.map((u) => byId.get(u)!);
}
