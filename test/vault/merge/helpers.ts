/** Small builders for merge tests: a base vault, edits and deletions at given times, and merges. */
import { Database, Entry, Group, mergeCopies, type MergeResult } from '../../../src/vault/index.js';
import { clone } from './scenarios.js';

export { clone };

export const at = (iso: string) => new Date(iso);

/** A vault with Bank (in Finance) and Mail, both with one version in history. */
export function baseVault(): Database {
  const db = Database.create('Test');
  db.meta.historyMaxItems = 10;
  const t = at('2025-01-01T00:00:00Z');
  db.root.times.lastModification = db.root.times.locationChanged = t;
  const finance = db.root.addGroup(new Group('Finance', '0000000000000000000000000000f001', { ...db.root.times }));
  for (const [title, g] of [['Bank', finance], ['Mail', db.root]] as const) {
    const e = g.addEntry(new Entry(title === 'Bank' ? '00000000000000000000000000000ba1' : '00000000000000000000000000000a11'));
    for (const f of ['Title', 'UserName', 'Password', 'URL', 'Notes']) e.set(f, '', f === 'Password');
    e.set('Title', title);
    e.set('UserName', `${title.toLowerCase()}-user`);
    e.set('Password', `${title.toLowerCase()}-pw-0`, true);
    e.times.creation = e.times.lastModification = e.times.locationChanged = at('2024-12-01T00:00:00Z');
    db.updateEntry(e, (x) => x.set('Password', `${title.toLowerCase()}-pw-1`, true));
    e.times.lastModification = t;
  }
  return db;
}

export function entry(db: Database, title: string): Entry {
  const e = [...db.entries()].find((x) => x.title === title);
  if (!e) throw new Error(`no entry ${title}`);
  return e;
}

export const has = (db: Database, title: string) => [...db.entries()].some((x) => x.title === title);
export const group = (db: Database, name: string) => [...db.root.allGroups()].find((g) => g.name === name);

export function edit(db: Database, title: string, when: string, change: (e: Entry) => void): Entry {
  const e = entry(db, title);
  db.updateEntry(e, change);
  e.times.lastModification = at(when);
  return e;
}

export function deleteEntry(db: Database, title: string, when: string): void {
  const e = entry(db, title);
  db.removeEntry(e, true);
  db.deletedObjects.set(e.uuid, at(when));
}

export function deleteGroup(db: Database, name: string, when: string): void {
  const g = group(db, name)!;
  const inside = [...g.allGroups()].flatMap((x) => [x.uuid, ...x.entries.map((e) => e.uuid)]);
  db.removeGroup(g, true);
  for (const id of inside) db.deletedObjects.set(id, at(when));
}

/** Merge copies (cloned: the inputs stay as they are) into a new database. */
export function merge(dbs: Database[], o: { base?: Database; labels?: string[] } = {}): MergeResult {
  return mergeCopies(
    dbs.map((db, i) => ({ db: clone(db), base: o.base && clone(o.base), label: o.labels?.[i] ?? `copy${i}` })),
    { now: at('2025-06-01T00:00:00Z') },
  );
}
