/**
 * KeePass 1.x / KeePassX 0.4 .kdb → a group tree in the vault, as
 * KeePassXC's importer builds it (KeePass1Reader.cpp): every group (empty
 * ones too) with its icon, times and expanded state; every entry with its
 * fields, times, expiry, icon and attachment; KeePassX custom icons; the
 * notes' `Auto-Type:` lines turned into auto-type settings; a top-level
 * "Backup" group excluded from search and auto-type; fresh UUIDs.
 */
import { Entry, Group, newTimes, newUuid, autoTypeWith, type Database, type Times, type UnmodelledXml } from '../vault/index.js';
import type { KdbDatabase, KdbEntry, KdbGroup, KdbTimes } from '../vault/index.js';
import type { ImportTarget } from './existing.js';

export interface KdbImport {
  groups: number;
  entries: number;
}

function times(t: KdbTimes): Times {
  const out = newTimes();
  if (t.created) out.creation = t.created;
  if (t.modified) out.lastModification = t.modified;
  if (t.accessed) out.lastAccess = t.accessed;
  if (t.expires) {
    out.expiry = t.expires;
    out.expires = true;
  }
  return out;
}

/** Copies the .kdb tree into the import target; returns what it added. */
export function importKdbTree(db: Database, target: ImportTarget, kdb: KdbDatabase): KdbImport {
  const iconUuids = kdb.customIcons.map((data) => {
    const uuid = newUuid();
    db.meta.customIcons.push({ uuid, data });
    return uuid;
  });
  const counts: KdbImport = { groups: 0, entries: 0 };
  const addEntry = (to: Group, k: KdbEntry) => {
    const e = new Entry(newUuid(), times(k.times));
    e.set('Title', k.title);
    e.set('UserName', k.username);
    e.set('Password', k.password.clone(), true);
    e.set('URL', k.url);
    const { notes, autoType } = parseAutoType(k.notes);
    e.set('Notes', notes);
    if (autoType) e.autoType = autoType;
    e.iconId = k.icon;
    if (k.customIcon !== undefined) e.customIconUuid = iconUuids[k.customIcon];
    if (k.attachment) e.attachments.set(k.attachment.name, { data: k.attachment.data, protect: false });
    if (target.add(to, e)) counts.entries++;
  };
  const addGroup = (to: Group, k: KdbGroup, topLevel: boolean) => {
    const g = target.childGroup(to, k.name, () => new Group(k.name, newUuid(), times(k.times)));
    g.iconId = k.icon;
    g.isExpanded = k.expanded;
    if (k.customIcon !== undefined) g.customIconUuid = iconUuids[k.customIcon];
    if (topLevel && k.name === 'Backup') {
      g.enableSearching = false;
      g.enableAutoType = false;
    }
    for (const e of k.entries) addEntry(g, e);
    for (const sub of k.groups) addGroup(g, sub, false);
  };
  for (const g of kdb.groups) addGroup(target.into, g, true);
  for (const e of kdb.orphans) addEntry(target.into, e);
  counts.groups = target.groupsMade;
  return counts;
}

const SEQUENCE = /^Auto-Type(?:-(\d+))?: (.+)$/i;
const WINDOW = /^Auto-Type-Window(?:-(\d+))?: (.+)$/i;

/**
 * KeePass 1 kept auto-type in the notes (`Auto-Type: {USERNAME}{ENTER}`,
 * `Auto-Type-Window-1: Firefox`); KeePassXC moves those lines into the
 * entry's auto-type settings and drops the blank lines after them.
 */
export function parseAutoType(raw: string): { notes: string; autoType?: UnmodelledXml } {
  let defaultSequence: string | undefined;
  const sequences = new Map<number, string>();
  const windows = new Map<number, string[]>();
  const notes: string[] = [];
  let lastWasAutoType = false;
  for (const line of raw.split('\n').map((l) => l.replace(/\r/g, ''))) {
    const seq = SEQUENCE.exec(line);
    const win = seq ? null : WINDOW.exec(line);
    if (seq) {
      if (seq[1] === undefined) defaultSequence = seq[2];
      else sequences.set(Number(seq[1]), seq[2]);
      lastWasAutoType = true;
    } else if (win) {
      const nr = win[1] === undefined ? -1 : Number(win[1]);
      windows.set(nr, [...(windows.get(nr) ?? []), win[2]]);
      lastWasAutoType = true;
    } else {
      if (!lastWasAutoType || line !== '') notes.push(line);
      lastWasAutoType = false;
    }
  }
  if (defaultSequence === undefined && windows.size === 0) return { notes: notes.join('\n') };
  const associations = [...windows.keys()].sort((a, b) => a - b).flatMap((nr) =>
    windows.get(nr)!.map((window) => ({ window, sequence: sequences.get(nr) ?? '' })));
  return { notes: notes.join('\n'), autoType: autoTypeWith(defaultSequence ?? '', associations) };
}
