/** The neutral shape every import format is read into before it becomes entries. */
import { Entry, Group, type Database } from '../vault/index.js';

export interface ImportedItem {
  /** Group path below the import group. */
  group: string[];
  title: string;
  username: string;
  password: string;
  url: string;
  notes: string;
  otp?: string;
  fields?: Record<string, string>;
  protectedFields?: string[];
  tags?: string[];
  created?: Date;
  modified?: Date;
  attachment?: { name: string; data: Uint8Array };
}

function childGroup(parent: Group, name: string): Group {
  return parent.groups.find((g) => g.name === name) ?? parent.addGroup(new Group(name));
}

/** Add items under `into` (created as needed below the root). Passwords are always protected. */
export function addItems(db: Database, intoPath: string[], items: ImportedItem[], onProgress?: (done: number, total: number) => void): Group {
  let into = db.root;
  for (const part of intoPath) into = childGroup(into, part);
  items.forEach((it, n) => {
    let g = into;
    for (const part of it.group) g = childGroup(g, part);
    const e = new Entry();
    e.set('Title', it.title);
    e.set('UserName', it.username);
    e.set('Password', it.password, true);
    e.set('URL', it.url);
    e.set('Notes', it.notes);
    if (it.otp) e.set('otp', it.otp, true);
    for (const [k, v] of Object.entries(it.fields ?? {})) e.set(k, v, it.protectedFields?.includes(k) ?? false);
    if (it.tags) e.tags = it.tags;
    if (it.created) e.times.creation = it.created;
    if (it.modified) e.times.lastModification = it.modified;
    if (it.attachment) e.attachments.set(it.attachment.name, { data: it.attachment.data, protect: false });
    g.addEntry(e);
    onProgress?.(n + 1, items.length);
  });
  return into;
}
