/** A group: entries, child groups, and the group's own settings. */
import type { UnmodelledXml } from './unmodelled.js';
import { newTimes, type Times } from './times.js';
import { newUuid, ZERO_UUID } from './uuid.js';
import { joinPath } from './path.js';
import type { CustomDataItem, Entry } from './entry.js';

export class Group {
  uuid: string;
  name: string;
  notes = '';
  /** 4.1 group tags, kept verbatim (KeePassXC does not normalise them). */
  tags?: string;
  iconId = 48;
  customIconUuid?: string;
  times: Times;
  isExpanded = true;
  defaultAutoTypeSequence = '';
  enableAutoType: boolean | null = null;
  enableSearching: boolean | null = null;
  lastTopVisibleEntry = ZERO_UUID;
  customData = new Map<string, CustomDataItem>();
  previousParentGroup?: string;
  entries: Entry[] = [];
  groups: Group[] = [];
  /** Elements of the group that the model does not know, written back where they were. */
  extra: UnmodelledXml[] = [];
  parent?: Group;

  constructor(name: string, uuid = newUuid(), times: Times = newTimes()) {
    this.name = name;
    this.uuid = uuid;
    this.times = times;
  }

  addEntry(entry: Entry): Entry {
    entry.parent = this;
    this.entries.push(entry);
    return entry;
  }

  addGroup(group: Group): Group {
    group.parent = this;
    this.groups.push(group);
    return group;
  }

  /** Path below the root ('' for the root itself; a `/` in a name as `\/`). */
  path(): string {
    return joinPath(this.names());
  }

  /** The names from below the root down to this group. */
  names(): string[] {
    const parts: string[] = [];
    for (let g: Group | undefined = this; g && g.parent; g = g.parent) parts.unshift(g.name);
    return parts;
  }

  /** The group `names` leads to below this one, creating the groups that are missing; `created` says whether any was. */
  ensureGroup(names: string[]): { group: Group; created: boolean } {
    let g: Group = this;
    let created = false;
    for (const name of names) {
      let next = g.groups.find((c) => c.name === name);
      if (!next) {
        next = g.addGroup(new Group(name));
        created = true;
      }
      g = next;
    }
    return { group: g, created };
  }

  /** Pre-order walk of this group and every descendant group. */
  *allGroups(): Generator<Group> {
    const stack: Group[] = [this];
    while (stack.length) {
      const g = stack.pop()!;
      yield g;
      for (let i = g.groups.length - 1; i >= 0; i--) stack.push(g.groups[i]);
    }
  }

  /** Every entry in this group and below (history items excluded), pre-order. */
  *allEntries(): Generator<Entry> {
    for (const g of this.allGroups()) yield* g.entries;
  }

  isAncestorOf(other: Group): boolean {
    for (let g = other.parent; g; g = g.parent) if (g === this) return true;
    return false;
  }
}
