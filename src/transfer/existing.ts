/**
 * What an import finds already there: entries below the import group with
 * the same group path (relative to it) and the same title, user name,
 * password, URL and notes. Importing the same export twice into the same
 * group says so, and `--skip-existing` leaves those items out. Groups that
 * existed before the import are reused by name; groups the import creates
 * are never merged with each other (two sibling groups of one name stay two).
 */
import { createHash } from 'node:crypto';
import { Group, type Entry } from '../vault/index.js';

export interface ImportOptions {
  skipExisting?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export class ImportTarget {
  readonly into: Group;
  readonly #existingGroups = new Set<Group>();
  readonly #fingerprints = new Set<string>();
  /** Items whose content was already there (skipped with skipExisting, else added again). */
  duplicates = 0;
  /** Groups the import made (existing ones reused are not counted). */
  groupsMade = 0;
  readonly skipExisting: boolean;

  constructor(root: Group, intoPath: string[], skipExisting = false) {
    const into = root.ensureGroup(intoPath).group;
    this.into = into;
    this.skipExisting = skipExisting;
    for (const g of into.allGroups()) {
      this.#existingGroups.add(g);
      const rel = relativePath(into, g);
      for (const e of g.entries) this.#fingerprints.add(fingerprint(rel, e));
    }
  }

  /** The child named `name` of `parent`: an existing one is reused, else a new one is made. */
  childGroup(parent: Group, name: string, make: () => Group = () => new Group(name)): Group {
    if (this.#existingGroups.has(parent)) {
      const found = parent.groups.find((g) => g.name === name && this.#existingGroups.has(g));
      if (found) return found;
    }
    const g = make();
    g.name = name;
    this.groupsMade++;
    return parent.addGroup(g);
  }

  readonly #folders = new Map<string, Group>();

  /** The group at `parts` below the import group, for flat item lists (CSV, Bitwarden): one group per path. */
  folder(parts: string[]): Group {
    if (!parts.length) return this.into;
    const key = parts.join('\0');
    let g = this.#folders.get(key);
    if (!g) {
      const parent = this.folder(parts.slice(0, -1));
      const name = parts[parts.length - 1];
      g = (this.#existingGroups.has(parent) ? undefined : parent.groups.find((c) => c.name === name)) ?? this.childGroup(parent, name);
      this.#folders.set(key, g);
    }
    return g;
  }

  /** Adds `e` to `group` unless it is already there and skipExisting; returns whether it was added. */
  add(group: Group, e: Entry): boolean {
    if (this.#fingerprints.size && this.#fingerprints.has(fingerprint(relativePath(this.into, group), e))) {
      this.duplicates++;
      if (this.skipExisting) {
        e.wipe();
        return false;
      }
    }
    group.addEntry(e);
    return true;
  }
}

function relativePath(into: Group, g: Group): string[] {
  const parts: string[] = [];
  for (let x: Group | undefined = g; x && x !== into; x = x.parent) parts.unshift(x.name);
  return parts;
}

function fingerprint(rel: string[], e: Entry): string {
  const h = createHash('sha256');
  for (const part of [...rel, '', e.get('Title'), e.get('UserName'), e.get('Password'), e.get('URL'), e.get('Notes')]) h.update(part).update('\0');
  return h.digest('base64');
}
