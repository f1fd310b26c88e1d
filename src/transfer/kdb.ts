/** KeePass 1.x / KeePassX 0.4 .kdb → import items (as KeePassXC's importer: Auto-Type note lines kept as notes). */
import type { KdbDatabase, KdbGroup } from '../vault/kdb/index.js';
import type { ImportedItem } from './items.js';

export function kdbItems(db: KdbDatabase): ImportedItem[] {
  const items: ImportedItem[] = [];
  const walk = (g: KdbGroup, path: string[]) => {
    const here = [...path, g.name];
    for (const e of g.entries) {
      items.push({
        group: here,
        title: e.title,
        username: e.username,
        password: e.password.getText(),
        url: e.url,
        notes: e.notes,
        created: e.times.created,
        modified: e.times.modified,
        attachment: e.attachment && e.attachment.data.length ? e.attachment : undefined,
      });
    }
    for (const sub of g.groups) walk(sub, here);
  };
  for (const g of db.groups) walk(g, []);
  return items;
}
