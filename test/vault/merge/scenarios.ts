/**
 * Generated scenarios for merge (and, later, sync) tests: 3–4 copies of one
 * base vault, each edited on its own — fields, tags, attachments, restores
 * from history, permanent and recycle-bin deletions of entries and groups,
 * deletions by "other programs" (a DeletedObjects record only, as KeePassXC;
 * nothing at all, as pykeepass), entry and group moves (group moves across
 * copies can make cycles), renames and new entries — each copy on its own
 * clock, skewed up to ±30 days, with HistoryMaxItems 1–10.
 *
 * `build` turns a scenario into databases and what each copy edited (the
 * values no merge may lose); `canonical` is what every merge order must agree on.
 */
import fc from 'fast-check';
import {
  Database, Entry, Group, Meta, cloneTimes, readXmlExport, writeXmlExport, restoreVersion, entryVersionId, mergeCopies, type MergeInput,
} from '../../../src/vault/index.js';
import { Tokens, addFieldKeys } from '../../../src/vault/merge/fields.js';
import { groupProperties, seconds } from '../../../src/vault/merge/fingerprint.js';
import { DELETIONS_KEY, MERGED_KEY, formatConflict, readConflict } from '../../../src/vault/merge/records.js';

export const BASE_TIME = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

export type EditField = 'UserName' | 'Password' | 'URL' | 'Notes' | 'custom' | 'tag' | 'attachment' | 'data';
export type Op =
  | { kind: 'edit'; entry: number; field: EditField; value: string }
  | { kind: 'restore'; entry: number; back: number }
  | { kind: 'delete'; entry: number; permanent: boolean }
  | { kind: 'delete-group'; group: number; permanent: boolean }
  | { kind: 'move'; entry: number; group: number }
  | { kind: 'move-group'; group: number; into: number }
  | { kind: 'rename-group'; group: number; name: string }
  | { kind: 'add'; group: number; title: string }
  | { kind: 'foreign-delete'; entry: number; recorded: boolean };

export interface Scenario {
  /** -1: unlimited. */
  historyMaxItems: number;
  copies: { skew: number; ops: Op[] }[];
}

export interface ScenarioOptions {
  copies?: [number, number];
  maxOps?: number;
  /** Deletions by other programs (exact only with a base). */
  foreign?: boolean;
  /** HistoryMaxItems 1–10 (else unlimited). */
  limits?: boolean;
  /** Clock skew range in days (default ±30). */
  skewDays?: [number, number];
}

const value = fc.constantFrom('a', 'b', 'c', 'x', 'yy', '');
const edit = fc.record({
  kind: fc.constant('edit' as const),
  entry: fc.nat(7),
  field: fc.constantFrom<EditField>('UserName', 'Password', 'URL', 'Notes', 'custom', 'tag', 'attachment', 'data'),
  value,
});

export function opArb(o: ScenarioOptions = {}): fc.Arbitrary<Op> {
  const ops: fc.Arbitrary<Op>[] = [
    edit, edit, edit,
    fc.record({ kind: fc.constant('restore' as const), entry: fc.nat(7), back: fc.nat(3) }),
    fc.record({ kind: fc.constant('delete' as const), entry: fc.nat(7), permanent: fc.boolean() }),
    fc.record({ kind: fc.constant('delete-group' as const), group: fc.nat(4), permanent: fc.boolean() }),
    fc.record({ kind: fc.constant('move' as const), entry: fc.nat(7), group: fc.nat(4) }),
    fc.record({ kind: fc.constant('move-group' as const), group: fc.nat(4), into: fc.nat(4) }),
    fc.record({ kind: fc.constant('rename-group' as const), group: fc.nat(4), name: fc.constantFrom('N1', 'N2', 'N3') }),
    fc.record({ kind: fc.constant('add' as const), group: fc.nat(4), title: fc.constantFrom('new1', 'new2') }),
  ];
  if (o.foreign) ops.push(fc.record({ kind: fc.constant('foreign-delete' as const), entry: fc.nat(7), recorded: fc.boolean() }));
  return fc.oneof(...ops);
}

export function scenarioArb(o: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const [min, max] = o.copies ?? [3, 4];
  return fc.record({
    historyMaxItems: o.limits ? fc.integer({ min: 1, max: 10 }) : fc.constant(-1),
    copies: fc.array(
      fc.record({ skew: fc.integer({ min: (o.skewDays?.[0] ?? -30) * DAY, max: (o.skewDays?.[1] ?? 30) * DAY }), ops: fc.array(opArb(o), { maxLength: o.maxOps ?? 6 }) }),
      { minLength: min, maxLength: max },
    ),
  });
}

const hex = (n: number, tag: number) => `${tag.toString(16).padStart(8, '0')}${n.toString(16).padStart(24, '0')}`;
export const BIN_UUID = hex(1, 0xb1);

/** The common ancestor: groups G0 (with G1 inside), G2, a recycle bin, and entries with one history version each. */
export function baseDb(historyMaxItems: number): Database {
  const db = Database.create('Base');
  db.meta.historyMaxItems = historyMaxItems;
  db.meta.historyMaxSize = -1;
  const t0 = new Date(BASE_TIME);
  const stamp = (g: Group) => {
    g.times.creation = g.times.lastModification = g.times.locationChanged = g.times.lastAccess = t0;
    return g;
  };
  stamp(db.root);
  const g0 = db.root.addGroup(stamp(new Group('G0', hex(0, 0x60))));
  const g1 = g0.addGroup(stamp(new Group('G1', hex(1, 0x60))));
  const g2 = db.root.addGroup(stamp(new Group('G2', hex(2, 0x60))));
  const bin = db.root.addGroup(stamp(new Group('Recycle Bin', BIN_UUID)));
  db.meta.recycleBinUuid = BIN_UUID;
  db.meta.set('RecycleBinChanged', db.meta.get('SettingsChanged')!);
  void bin;
  const homes = [g0, g1, g2, db.root, g0];
  homes.forEach((g, i) => {
    const e = g.addEntry(new Entry(hex(i, 0xe0)));
    for (const f of ['Title', 'UserName', 'Password', 'URL', 'Notes']) e.set(f, '', f === 'Password');
    e.set('Title', `E${i}`);
    e.set('UserName', `u${i}`);
    e.set('Password', `p${i}`, true);
    e.times.creation = e.times.lastModification = e.times.locationChanged = e.times.lastAccess = new Date(BASE_TIME - DAY);
    db.updateEntry(e, (x) => x.set('Password', `p${i}-2`, true));
    e.times.lastModification = t0;
  });
  return db;
}

/** A deep copy, as if the file had been written and read again (in memory: the XML round trip is slow). */
export function clone(db: Database): Database {
  const meta = new Meta();
  meta.fields = [...db.meta.fields];
  meta.customData = new Map([...db.meta.customData].map(([k, v]) => [k, { ...v }]));
  meta.customIcons = db.meta.customIcons.map((i) => ({ ...i }));
  const copyGroup = (g: Group): Group => {
    const c = new Group(g.name, g.uuid, cloneTimes(g.times));
    Object.assign(c, { ...g, times: c.times, parent: undefined, entries: [], groups: [] });
    c.customData = new Map([...g.customData].map(([k, v]) => [k, { ...v }]));
    for (const e of g.entries) c.addEntry(e.clone(true));
    for (const x of g.groups) c.addGroup(copyGroup(x));
    return c;
  };
  const out = new Database(meta, copyGroup(db.root));
  out.root.parent = undefined;
  out.deletedObjects = new Map(db.deletedObjects);
  return out;
}

/** The XML round trip itself, for tests that want the bytes path. */
export const roundTrip = (db: Database) => readXmlExport(writeXmlExport(db));

const byUuid = <T extends { uuid: string }>(a: T, b: T) => (a.uuid < b.uuid ? -1 : 1);

function liveEntries(db: Database): Entry[] {
  return [...db.entries()].sort(byUuid);
}

/** Groups an op may name: every group but the root and the bin, by UUID; index past the end is the root. */
function namedGroups(db: Database): Group[] {
  return [...db.root.allGroups()].filter((g) => g !== db.root && g.uuid !== BIN_UUID).sort(byUuid);
}

function groupAt(db: Database, i: number): Group {
  const gs = namedGroups(db);
  return i < gs.length ? gs[i] : db.root;
}

function detach<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Apply a copy's ops with its own clock. */
export function applyOps(db: Database, ops: Op[], copy: number, skew: number): void {
  let clock = BASE_TIME + DAY + skew + copy * 1000;
  let added = 0;
  for (const op of ops) {
    clock += 60_000;
    const at = new Date(Math.floor(clock / 1000) * 1000);
    const entries = liveEntries(db);
    const e = 'entry' in op && entries.length ? entries[op.entry % entries.length] : undefined;
    switch (op.kind) {
      case 'edit':
        if (!e) break;
        db.updateEntry(e, (x) => {
          if (op.field === 'tag') x.tags = x.tags.includes(`t-${op.value}`) ? x.tags.filter((t) => t !== `t-${op.value}`) : [...x.tags, `t-${op.value}`];
          else if (op.field === 'attachment') x.attachments.set('f.bin', { data: Buffer.from(`file ${op.value} ${copy}`), protect: false });
          else if (op.field === 'data') x.customData.set('k', { value: `${op.value}${copy}` });
          else x.set(op.field, `${op.value}${copy}`, op.field === 'Password');
        });
        e.times.lastModification = at;
        break;
      case 'restore':
        if (!e || !e.history.length) break;
        restoreVersion(db, e, 1 + (op.back % e.history.length));
        e.times.lastModification = at;
        break;
      case 'delete': {
        if (!e) break;
        if (db.removeEntry(e, op.permanent) === 'deleted') db.deletedObjects.set(e.uuid, at);
        else e.times.locationChanged = at;
        break;
      }
      case 'delete-group': {
        const g = groupAt(db, op.group);
        if (g === db.root) break;
        const inside = [...g.allGroups()].flatMap((x) => [x.uuid, ...x.entries.map((y) => y.uuid)]);
        if (db.removeGroup(g, op.permanent) === 'deleted') for (const id of inside) db.deletedObjects.set(id, at);
        else g.times.locationChanged = at;
        break;
      }
      case 'move': {
        if (!e) break;
        const to = groupAt(db, op.group);
        if (to === e.parent) break;
        db.moveEntry(e, to);
        e.times.locationChanged = at;
        break;
      }
      case 'move-group': {
        const g = groupAt(db, op.group);
        const to = groupAt(db, op.into);
        if (g === db.root || g === to || g.isAncestorOf(to) || g.parent === to) break;
        db.moveGroup(g, to);
        g.times.locationChanged = at;
        break;
      }
      case 'rename-group': {
        const g = groupAt(db, op.group);
        if (g === db.root) break;
        g.name = `${op.name}-${copy}`;
        g.times.lastModification = at;
        break;
      }
      case 'add': {
        const x = groupAt(db, op.group).addEntry(new Entry(hex(1000 + copy * 100 + added++, 0xad)));
        x.set('Title', `${op.title}-${copy}`);
        x.set('Password', `np${copy}`, true);
        x.times.creation = x.times.lastModification = x.times.locationChanged = at;
        break;
      }
      case 'foreign-delete':
        if (!e) break;
        detach(e.parent!.entries, e);
        if (op.recorded) db.deletedObjects.set(e.uuid, at);
        break;
    }
  }
}

/** A field value a copy set: it must survive every merge (current or in history). */
export interface EditedValue {
  copy: number;
  uuid: string;
  key: string;
  token: string | undefined;
}

export interface Built {
  base: Database;
  copies: Database[];
  /** Values each copy's final version changed relative to the base. */
  edited: EditedValue[];
  /** Entries some copy deleted for good (by stv, or by another program). */
  deletedSomewhere: Set<string>;
}

export function build(s: Scenario): Built {
  const base = baseDb(s.historyMaxItems);
  const tokens = new Tokens();
  const baseEntries = new Map([...base.entries()].map((e) => [e.uuid, e]));
  const copies: Database[] = [];
  const edited: EditedValue[] = [];
  const deletedSomewhere = new Set<string>();
  s.copies.forEach((c, i) => {
    const db = clone(base);
    applyOps(db, c.ops, i, c.skew);
    copies.push(db);
    const present = new Set<string>();
    for (const e of db.entries()) {
      present.add(e.uuid);
      const b = baseEntries.get(e.uuid);
      if (b && entryVersionId(b) === entryVersionId(e)) continue;
      const keys = new Set<string>();
      addFieldKeys(e, keys);
      if (b) addFieldKeys(b, keys);
      for (const key of keys) {
        const token = tokens.of(e, key);
        if (!b || token !== tokens.of(b, key)) edited.push({ copy: i, uuid: e.uuid, key, token });
      }
    }
    for (const uuid of baseEntries.keys()) if (!present.has(uuid)) deletedSomewhere.add(uuid);
  });
  return { base, copies, edited, deletedSomewhere };
}

export function nway(dbs: Database[], base?: Database): Database {
  const inputs: MergeInput[] = dbs.map((db, i) => ({ db: clone(db), base: base && clone(base), label: `copy${i}` }));
  return mergeCopies(inputs, { now: new Date(BASE_TIME + 400 * DAY) }).db;
}

/** Merge two at a time: ((a·b)·c)·d in the given order. */
export function pairwise(dbs: Database[], order: number[]): Database {
  let acc = clone(dbs[order[0]]);
  for (const i of order.slice(1)) acc = mergeCopies([{ db: acc, label: 'acc' }, { db: clone(dbs[i]), label: `copy${i}` }], { now: new Date(BASE_TIME + 400 * DAY) }).db;
  return acc;
}

export function permutations(n: number): number[][] {
  if (n <= 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}

const parentKey = (db: Database, g: Group | undefined) => (!g || g === db.root ? '' : g.uuid);

/** Everything every merge order must agree on (not the order of children, access times or other noise). */
export function canonical(db: Database): unknown {
  const entries = [...db.entries()].sort(byUuid).map((e) => ({
    uuid: e.uuid,
    parent: parentKey(db, e.parent),
    vid: entryVersionId(e),
    record: formatConflict(readConflict(e)) ?? null,
    tagged: e.tags.includes('stickvault-conflict'),
    merged: e.hasCustomData ? e.customData.get(MERGED_KEY)?.value ?? null : null,
    history: e.history.map(entryVersionId),
  }));
  const groups = [...db.root.allGroups()].filter((g) => g !== db.root).sort(byUuid)
    .map((g) => [g.uuid, groupProperties(g), parentKey(db, g.parent), seconds(g.times.lastModification), seconds(g.times.locationChanged)]);
  return {
    entries,
    groups,
    root: groupProperties(db.root),
    deleted: [...db.deletedObjects].map(([k, v]) => `${k}@${seconds(v)}`).sort(),
    seen: db.meta.customData.get(DELETIONS_KEY)?.value ?? null,
    bin: db.meta.recycleBinUuid,
  };
}

/** The first edited value the merged database lost, if any. */
export function lostValue(result: Database, edited: EditedValue[]): EditedValue | undefined {
  const tokens = new Tokens();
  const entries = new Map([...result.entries()].map((e) => [e.uuid, e]));
  return edited.find((v) => {
    const e = entries.get(v.uuid);
    if (!e) return true;
    return tokens.of(e, v.key) !== v.token && !e.history.some((h) => tokens.of(h, v.key) === v.token);
  });
}
