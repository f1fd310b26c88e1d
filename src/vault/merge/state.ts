/**
 * Whether two copies of an entry or group are the same in every way a merge
 * can change — content, times, history, tags, conflict and merge records — so
 * that unchanged pairs take the fast path and a result that equals a copy is
 * not written again. Access times, usage counts, KeePassXC's `_LAST_MODIFIED`
 * and UI state are noise here.
 */
import { ProtectedValue } from '../../secret/index.js';
import type { Entry } from '../model/entry.js';
import type { Group } from '../model/group.js';
import { groupProperties, surelySameContent } from './fingerprint.js';
import { CONFLICT_KEY, CONFLICT_TAG, MERGED_KEY } from './records.js';

const ms = (d: Date) => d.getTime();

/** Merge's own records; KeePassXC's `_LAST_MODIFIED` is noise like an access time, not worth a write. */
const OWN_RECORDS = [CONFLICT_KEY, MERGED_KEY];

function sameBookkeeping(a: Entry, b: Entry): boolean {
  if (a.tags.includes(CONFLICT_TAG) !== b.tags.includes(CONFLICT_TAG)) return false;
  if (!a.hasCustomData && !b.hasCustomData) return true;
  for (const k of OWN_RECORDS) {
    const x = a.hasCustomData ? a.customData.get(k)?.value : undefined;
    const y = b.hasCustomData ? b.customData.get(k)?.value : undefined;
    if (x !== y) return false;
  }
  return true;
}

/** Same version, same history: nothing for a merge to do between them. */
export function sameEntryState(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (
    ms(a.times.lastModification) !== ms(b.times.lastModification) || ms(a.times.creation) !== ms(b.times.creation) ||
    ms(a.times.locationChanged) !== ms(b.times.locationChanged) || a.history.length !== b.history.length
  ) return false;
  if (!sameBookkeeping(a, b) || !surelySameContent(a, b)) return false;
  for (let i = 0; i < a.history.length; i++) {
    const x = a.history[i];
    const y = b.history[i];
    if (ms(x.times.lastModification) !== ms(y.times.lastModification) || !sameBookkeeping(x, y) || !surelySameContent(x, y)) return false;
  }
  return true;
}

/** A group's state as merge sees it: properties, modification time and place. */
export function groupState(g: Group, parent: string, locationChanged: Date = g.times.locationChanged): string {
  return `${groupProperties(g)}|${ms(g.times.lastModification)}|${parent}|${ms(locationChanged)}`;
}

/** Give `dst` (an entry some caller may hold) everything `src` has; its old secrets are wiped. */
export function assignEntry(dst: Entry, src: Entry): void {
  for (const v of dst.fields.values()) if (v instanceof ProtectedValue) v.wipe();
  for (const h of dst.history) h.wipe();
  dst.fields = src.fields;
  dst.attachments = src.hasAttachments ? src.attachments : new Map();
  dst.customData = src.hasCustomData ? src.customData : new Map();
  dst.tags = src.tags;
  dst.iconId = src.iconId;
  dst.customIconUuid = src.customIconUuid;
  dst.foregroundColor = src.foregroundColor;
  dst.backgroundColor = src.backgroundColor;
  dst.overrideUrl = src.overrideUrl;
  dst.qualityCheck = src.qualityCheck;
  dst.previousParentGroup = src.previousParentGroup;
  dst.autoType = src.autoType;
  dst.extra = src.extra;
  dst.times = src.times;
  dst.history = src.history;
}
