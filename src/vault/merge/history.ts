/**
 * The merged history of an entry: every version any copy holds, once (by
 * vid), oldest first (time, then vid), without the current one; then
 * HistoryMaxItems and HistoryMaxSize applied, newest kept — but a version
 * holding a value that lost an unresolved conflict is never dropped. The same
 * set always gives the same history, so merging a result again changes nothing.
 */
import { entrySize } from '../model/database.js';
import type { Entry } from '../model/entry.js';
import { asHistoryItem } from './records.js';

export interface HistoryLimits {
  /** −1: unlimited. */
  maxItems: number;
  maxSize: number;
}

export interface Version {
  vid: string;
  entry: Entry;
}

export function byTimeThenVid(a: Version, b: Version): number {
  return a.entry.times.lastModification.getTime() - b.entry.times.lastModification.getTime() || (a.vid < b.vid ? -1 : a.vid > b.vid ? 1 : 0);
}

/** Versions to keep, oldest first: the newest within the limits, plus `keep` (which neither count nor are dropped). */
export function limitHistory(versions: Version[], limits: HistoryLimits, keep: ReadonlySet<string>): Version[] {
  const sorted = [...versions].sort(byTimeThenVid);
  const candidates = sorted.filter((v) => !keep.has(v.vid));
  const dropped = new Set<Version>();
  if (limits.maxItems >= 0) for (const v of candidates.slice(0, Math.max(0, candidates.length - limits.maxItems))) dropped.add(v);
  if (limits.maxSize >= 0) {
    let size = 0;
    for (const v of candidates) if (!dropped.has(v)) size += entrySize(v.entry);
    for (const v of candidates) {
      if (size <= limits.maxSize) break;
      if (dropped.has(v)) continue;
      dropped.add(v);
      size -= entrySize(v.entry);
    }
  }
  return sorted.filter((v) => !dropped.has(v));
}

/** Copies for the merged entry's history: no conflict tag or record on history items. */
export function historyItems(versions: Version[]): Entry[] {
  return versions.map((v) => asHistoryItem(v.entry.clone(false)));
}
