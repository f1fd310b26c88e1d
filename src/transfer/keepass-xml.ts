/** KeePass XML (keepassxc-cli export -f xml): groups, entries with history, as fresh copies. */
import { Group, newUuid, readXmlExport } from '../vault/index.js';
import type { ImportTarget } from './existing.js';

/** Copy the export's tree into the target with new UUIDs (so importing twice never clashes with what exists). */
export function importXmlTree(target: ImportTarget, text: string): { groups: number; entries: number } {
  const src = readXmlExport(text);
  const counts = { groups: 0, entries: 0 };
  const srcBin = src.recycleBin();
  const copy = (from: Group, to: Group) => {
    for (const e of from.entries) {
      const c = e.clone(true);
      c.uuid = newUuid();
      for (const h of c.history) h.uuid = c.uuid;
      if (target.add(to, c)) counts.entries++;
    }
    for (const g of from.groups) {
      if (g === srcBin) continue;
      const ng = target.childGroup(to, g.name, () => {
        const made = new Group(g.name);
        made.notes = g.notes;
        made.iconId = g.iconId;
        made.times = { ...g.times };
        return made;
      });
      copy(g, ng);
    }
  };
  copy(src.root, target.into);
  counts.groups = target.groupsMade;
  return counts;
}
