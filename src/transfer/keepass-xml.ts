/** KeePass XML (keepassxc-cli export -f xml): groups, entries with history, as fresh copies. */
import { Group, newUuid, readXmlExport, type Database } from '../vault/index.js';

/** Copy the export's tree under `into` with new UUIDs (so importing twice never clashes with what exists). */
export function importXmlTree(db: Database, intoPath: string[], text: string): { group: Group; count: number } {
  const src = readXmlExport(text);
  let into = db.root;
  for (const part of intoPath) into = into.groups.find((g) => g.name === part) ?? into.addGroup(new Group(part));
  let count = 0;
  const srcBin = src.recycleBin();
  const copy = (from: Group, to: Group) => {
    for (const e of from.entries) {
      const c = e.clone(true);
      c.uuid = newUuid();
      for (const h of c.history) h.uuid = c.uuid;
      to.addEntry(c);
      count++;
    }
    for (const g of from.groups) {
      if (g === srcBin) continue;
      const ng = to.addGroup(new Group(g.name));
      ng.notes = g.notes;
      ng.iconId = g.iconId;
      ng.times = { ...g.times };
      copy(g, ng);
    }
  };
  copy(src.root, into);
  return { group: into, count };
}
