/** The neutral shape every import format is read into before it becomes entries. */
import { Entry } from '../vault/index.js';
import type { ImportOptions, ImportTarget } from './existing.js';

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
  /** Earlier passwords, oldest first: they become history versions of the entry. */
  history?: { password: string; changed?: Date }[];
}

/** Add items under the import target (groups made as needed). Passwords are always protected. */
export function addItems(target: ImportTarget, items: ImportedItem[], opts: ImportOptions = {}): number {
  let added = 0;
  items.forEach((it, n) => {
    const g = target.folder(it.group);
    // No AutoType of its own: the writer uses KeePassXC's default, one tree shared by all.
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
    for (const old of it.history ?? []) {
      const h = e.clone(false);
      h.set('Password', old.password, true);
      h.times.lastModification = old.changed ?? h.times.lastModification;
      e.history.push(h);
    }
    if (target.add(g, e)) added++;
    opts.onProgress?.(n + 1, items.length);
  });
  return added;
}
