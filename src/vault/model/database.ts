/**
 * The decrypted database and the edits the rest of stickvault makes to it.
 * Knows nothing of bytes or files (see ../format and ../vault.ts).
 */
import type { UnmodelledXml } from './unmodelled.js';
import { Entry, type CustomDataItem } from './entry.js';
import { Group } from './group.js';
import { Meta, newMeta } from './meta.js';
import { nowSeconds } from './times.js';
import { ZERO_UUID } from './uuid.js';
import { recordDeletion } from '../merge/seen.js';
import { asHistoryItem, clearMergeRecords } from '../merge/records.js';

export class Database {
  meta: Meta;
  root: Group;
  deletedObjects = new Map<string, Date>();
  /** Unknown children of <Root> and of <KeePassFile>, kept verbatim. */
  rootExtra: UnmodelledXml[] = [];
  fileExtra: UnmodelledXml[] = [];
  /** Whether a move records PreviousParentGroup (a KDBX 4.1 field; off while the file is 3.x). */
  recordPreviousParent = true;

  constructor(meta: Meta, root: Group) {
    this.meta = meta;
    this.root = root;
  }

  static create(name: string): Database {
    const root = new Group(name || 'Root');
    root.parent = undefined;
    return new Database(newMeta(name), root);
  }

  *entries(): Generator<Entry> {
    yield* this.root.allEntries();
  }

  /**
   * Reads every entry the reader only skimmed (see EntrySource): the whole
   * document is then checked. A save does this before writing anything.
   */
  loadAll(): void {
    for (const e of this.entries()) e.load();
  }

  findEntry(uuid: string): Entry | undefined {
    for (const e of this.entries()) if (e.uuid === uuid) return e;
    return undefined;
  }

  findGroup(uuid: string): Group | undefined {
    for (const g of this.root.allGroups()) if (g.uuid === uuid) return g;
    return undefined;
  }

  recycleBin(): Group | undefined {
    const id = this.meta.recycleBinUuid;
    return id === ZERO_UUID ? undefined : this.findGroup(id);
  }

  isInRecycleBin(item: Entry | Group): boolean {
    const bin = this.recycleBin();
    if (!bin) return false;
    const start = item instanceof Entry ? item.parent : item;
    for (let g = start; g; g = g.parent) if (g === bin) return true;
    return false;
  }

  /**
   * Record an edit: `change` mutates the entry after its current state has
   * been pushed into history (honouring HistoryMaxItems/HistoryMaxSize).
   */
  updateEntry(entry: Entry, change: (e: Entry) => void): void {
    const before = entry.clone(false);
    change(entry);
    this.commitEdit(entry, before);
  }

  /**
   * Make the entry's present state a new version, `before` (a clone taken
   * before the change) going into history. A new version by the user settles
   * a merge conflict, so the conflict tag and record go.
   */
  commitEdit(entry: Entry, before: Entry): void {
    entry.history.push(asHistoryItem(before));
    entry.times.lastModification = nowSeconds();
    clearMergeRecords(entry);
    this.truncateHistory(entry);
  }

  truncateHistory(entry: Entry): void {
    const maxItems = this.meta.historyMaxItems;
    if (maxItems >= 0) {
      while (entry.history.length > maxItems) entry.history.shift()?.wipe();
    }
    const maxSize = this.meta.historyMaxSize;
    if (maxSize >= 0) {
      let size = 0;
      for (let i = entry.history.length - 1; i >= 0; i--) {
        size += entrySize(entry.history[i]);
        if (size > maxSize) {
          for (const h of entry.history.splice(0, i + 1)) h.wipe();
          break;
        }
      }
    }
  }

  /** Move to the recycle bin (created on first use), or delete for good when the bin is off or it is already there. */
  removeEntry(entry: Entry, permanent = false): 'recycled' | 'deleted' {
    if (!permanent && this.meta.recycleBinEnabled && !this.isInRecycleBin(entry)) {
      this.moveEntry(entry, this.ensureRecycleBin());
      return 'recycled';
    }
    recordDeletion(this, { entries: [entry], groups: [] });
    detach(entry.parent!.entries, entry);
    this.deletedObjects.set(entry.uuid, nowSeconds());
    entry.wipe();
    return 'deleted';
  }

  removeGroup(group: Group, permanent = false): 'recycled' | 'deleted' {
    if (group === this.root) throw new Error('cannot remove the root group');
    if (!permanent && this.meta.recycleBinEnabled && !this.isInRecycleBin(group) && group !== this.recycleBin()) {
      this.moveGroup(group, this.ensureRecycleBin());
      return 'recycled';
    }
    const now = nowSeconds();
    const groups = [...group.allGroups()];
    recordDeletion(this, { entries: groups.flatMap((g) => g.entries), groups });
    for (const g of groups) {
      for (const e of g.entries) {
        this.deletedObjects.set(e.uuid, now);
        e.wipe();
      }
      this.deletedObjects.set(g.uuid, now);
    }
    if (group === this.recycleBin()) this.meta.recycleBinUuid = ZERO_UUID;
    detach(group.parent!.groups, group);
    return 'deleted';
  }

  moveEntry(entry: Entry, to: Group): void {
    if (entry.parent === to) return;
    if (entry.parent) {
      if (this.recordPreviousParent) entry.previousParentGroup = entry.parent.uuid;
      detach(entry.parent.entries, entry);
    }
    to.addEntry(entry);
    entry.times.locationChanged = nowSeconds();
  }

  moveGroup(group: Group, to: Group): void {
    if (group === to || group.isAncestorOf(to)) throw new Error('cannot move a group into itself');
    if (group.parent === to) return;
    if (group.parent) {
      if (this.recordPreviousParent) group.previousParentGroup = group.parent.uuid;
      detach(group.parent.groups, group);
    }
    to.addGroup(group);
    group.times.locationChanged = nowSeconds();
  }

  ensureRecycleBin(): Group {
    const existing = this.recycleBin();
    if (existing) return existing;
    const bin = new Group('Recycle Bin');
    bin.iconId = 43;
    bin.enableAutoType = false;
    bin.enableSearching = false;
    this.root.addGroup(bin);
    this.meta.recycleBinUuid = bin.uuid;
    return bin;
  }

  /** Meta CustomData helpers for modules that keep settings in the vault. */
  getCustomData(key: string): string | undefined {
    return this.meta.customData.get(key)?.value;
  }
  setCustomData(key: string, value: string | undefined): void {
    if (value === undefined) this.meta.customData.delete(key);
    else this.meta.customData.set(key, { value, lastModified: nowSeconds() } satisfies CustomDataItem);
  }

  wipe(): void {
    for (const e of this.entries()) e.wipe();
  }
}

function detach<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
}

/** Approximate serialized size of an entry, as KeePassXC measures history size. */
export function entrySize(e: Entry): number {
  let size = 0;
  for (const [k, v] of e.fields) size += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength);
  if (e.hasAttachments) for (const [k, a] of e.attachments) size += k.length + a.data.length;
  if (e.hasCustomData) for (const [k, c] of e.customData) size += k.length + c.value.length;
  return size + e.tags.join(',').length;
}
