/**
 * Merging the copies of one entry (see versions.ts for which versions count).
 *
 * One frontier version: it is current. Several: a three-way merge per field
 * against the common base version O — the latest version every frontier
 * version knows. A field changed on one side only takes that side's value;
 * changed alike, that value; changed differently, a real conflict: the value
 * set latest wins (its time: the earliest version anyone knows, beyond what all
 * sides share, that holds it — so a value carried forward by an earlier merge
 * keeps the time of the edit that made it), ties by a hash of the value; the
 * entry is tagged and records the losers, which stay in history. A conflict a
 * side carries is weighed again with the new sides, so the answer does not
 * depend on which copies met first. Different fields changed on different
 * sides combine with no conflict.
 *
 * The result of several frontier versions is a merge version: stamped with the
 * latest time anyone knows and naming the user versions it was merged from, so
 * the same merge made in any order (or on another machine) is the same version.
 */
import { createHash } from 'node:crypto';
import type { Entry } from '../model/entry.js';
import { versionId, fingerprint } from './fingerprint.js';
import { Tokens, addFieldKeys, copyField, type Token } from './fields.js';
import { byTimeThenVid, historyItems, limitHistory, type HistoryLimits, type Version } from './history.js';
import { mergeParents, readConflict, unionConflicts, writeConflict, writeMergeParents, BOOKKEEPING_KEYS, CONFLICT_KEY, DELETED_FIELD, MERGED_KEY, type ConflictRecord } from './records.js';
import { type Analysis, type Head, type Known, type VersionIds } from './versions.js';

export interface MergedEntry {
  /** A new Entry (copies throughout), with its history; not in any group. */
  entry: Entry;
  vid: string;
  /** Field keys in real conflict in this merge (empty when none). */
  conflictKeys: string[];
  /** The conflict record on the result (this merge's and the ones it carried). */
  record: ConflictRecord;
}

export interface EntryMergeOptions {
  ids: VersionIds;
  tokens: Tokens;
  limits: HistoryLimits;
  /** Added to the result's conflict record (an edit that outlived a deletion). */
  extraRecord?: ConflictRecord;
}

const time = (e: Entry) => e.times.lastModification.getTime();

function laterVersion(a: { vid: string; entry: Entry }, b: { vid: string; entry: Entry }): boolean {
  return byTimeThenVid(a, b) > 0;
}

export function mergeEntry(a: Analysis, o: EntryMergeOptions): MergedEntry {
  const merged = a.frontier.length === 1 ? single(a.frontier[0], a) : fieldMerge(a, o);
  const record = merged.record;
  if (o.extraRecord) unionConflicts(record, o.extraRecord);
  writeConflict(merged.entry, record);
  merged.entry.history = mergedHistory(a, o.ids, merged.vid, record, o.limits);
  return merged;
}

function representative(h: Head): Entry {
  return h.copies[0].entry;
}

/** The frontier version itself, with the bookkeeping of every copy that holds it. */
function single(h: Head, a: Analysis): MergedEntry {
  const e = representative(h).clone(false);
  const record: ConflictRecord = new Map();
  for (const c of h.copies) unionConflicts(record, readConflict(c.entry));
  settleBookkeeping(e, h.copies.map((c) => c.entry), a);
  if (h.parents) writeMergeParents(e, h.vid, h.parents);
  return { entry: e, vid: h.vid, conflictKeys: [], record };
}

/**
 * Times and KeePassXC's bookkeeping that differ between copies of one version:
 * the earliest creation, the latest access and usage count, the greatest
 * `_LAST_MODIFIED` text — each a join, so the order of merges does not matter.
 */
function settleBookkeeping(e: Entry, holders: Entry[], a: Analysis): void {
  for (const x of holders) if (x.times.creation < e.times.creation) e.times.creation = x.times.creation;
  for (const h of a.heads) {
    for (const c of h.copies) {
      const t = c.entry.times;
      if (t.lastAccess > e.times.lastAccess) e.times.lastAccess = t.lastAccess;
      if (t.usageCount > e.times.usageCount) e.times.usageCount = t.usageCount;
    }
  }
  for (const x of holders) {
    if (!x.hasCustomData) continue;
    for (const [k, item] of x.customData) {
      if (!BOOKKEEPING_KEYS.has(k) || k === CONFLICT_KEY || k === MERGED_KEY) continue;
      const mine = e.customData.get(k);
      if (!mine || item.value > mine.value) e.customData.set(k, { ...item });
    }
  }
}

/** Versions known to every frontier head. */
function commonVids(frontier: Head[]): Set<string> {
  const [first, ...rest] = frontier;
  const common = new Set<string>();
  for (const vid of first.known.keys()) if (rest.every((h) => h.known.has(vid))) common.add(vid);
  return common;
}

/** The latest common version whose content some copy still holds. */
function commonBase(common: Set<string>, known: Known): Version | undefined {
  let best: Version | undefined;
  for (const vid of common) {
    const entry = known.get(vid);
    if (!entry) continue;
    const v = { vid, entry };
    if (!best || laterVersion(v, best)) best = v;
  }
  return best;
}

function fieldMerge(a: Analysis, o: EntryMergeOptions): MergedEntry {
  const { tokens } = o;
  const frontier = a.frontier;
  const common = commonVids(frontier);
  const base = commonBase(common, a.known);
  // Conflicts the frontier carries are decided again with everything now known.
  const carried: ConflictRecord = new Map();
  for (const h of frontier) for (const c of h.copies) unionConflicts(carried, readConflict(c.entry));
  const keys = new Set<string>();
  if (base) addFieldKeys(base.entry, keys);
  for (const h of frontier) addFieldKeys(representative(h), keys);
  for (const k of carried.keys()) if (k !== DELETED_FIELD) keys.add(k);

  // The latest frontier version is the starting point; each field is then taken from where it won.
  const start = frontier.reduce((best, h) => (laterVersion({ vid: h.vid, entry: representative(h) }, { vid: best.vid, entry: representative(best) }) ? h : best));
  const e = representative(start).clone(false);
  const record: ConflictRecord = new Map();
  const conflictKeys: string[] = [];
  for (const key of [...keys].sort()) {
    // Who holds which value: the frontier versions, then the versions holding values that lost before.
    const holders = new Map<Token, Entry>();
    for (const h of frontier) {
      const t = tokens.of(representative(h), key);
      if (!holders.has(t)) holders.set(t, representative(h));
    }
    const current = new Set(holders.keys());
    const unknown: string[] = [];
    for (const vid of carried.get(key) ?? []) {
      const v = a.known.get(vid);
      if (!v) unknown.push(vid);
      else if (!holders.has(tokens.of(v, key))) holders.set(tokens.of(v, key), v);
    }
    const baseToken = base ? tokens.of(base.entry, key) : undefined;
    const changed = [...holders.keys()].filter((t) => !base || t !== baseToken);
    let winner: Token;
    // Tags are a set: with no base to say what was removed, a tag any side has stays.
    if (!base && key.startsWith('t:')) winner = [...current].some((t) => t !== undefined) ? '1' : undefined;
    else if (changed.length === 0) winner = baseToken;
    else if (changed.length === 1) winner = changed[0];
    else {
      const ranked = changed.map((token) => ({ token, ...sourceOf(token, key, common, a, o) }));
      ranked.sort((x, y) => y.time - x.time || compareHashes(y.token, x.token));
      winner = ranked[0].token;
      conflictKeys.push(key);
      record.set(key, new Set(ranked.slice(1).map((r) => r.vid)));
    }
    if (carried.has(key)) {
      // A conflict a side carries is settled only by a user's version on top of it (one frontier version), not
      // by this merge: its losers that did not win stay recorded — and kept in history — also when their value
      // is the common base's (a history cut short can make the base hold it) and so not weighed as a change.
      // One version per value (the earliest), so records do not grow with every copy that carried one.
      const open = new Map<Token, Version>();
      for (const vid of record.get(key) ?? []) open.set(tokens.of(a.known.get(vid)!, key), { vid, entry: a.known.get(vid)! });
      const recorded = new Set(open.keys());
      for (const vid of carried.get(key)!) {
        const entry = a.known.get(vid);
        const t = entry && tokens.of(entry, key);
        if (!entry || t === winner || recorded.has(t)) continue;
        const mine = open.get(t);
        if (!mine || laterVersion(mine, { vid, entry })) open.set(t, { vid, entry });
      }
      const vids = [...open.values()].map((v) => v.vid);
      if (vids.length) record.set(key, new Set([...record.get(key) ?? [], ...vids]));
    }
    // A loser no copy holds any more cannot be weighed: its record stays as it was.
    if (unknown.length) unionConflicts(record, new Map([[key, new Set(unknown)]]));
    // (The start version's token, not e's: e changes under this loop and tokens are cached per object.)
    if (tokens.of(representative(start), key) !== winner) copyField(e, holders.get(winner)!, key);
  }
  if (carried.has(DELETED_FIELD)) record.set(DELETED_FIELD, new Set(carried.get(DELETED_FIELD)));

  // A new merge version at the latest time anyone knows: the same version whichever copies were merged first.
  let latest = 0;
  for (const v of a.known.values()) if (v && time(v) > latest) latest = time(v);
  e.times.lastModification = new Date(Math.floor(latest / 1000) * 1000);
  settleBookkeeping(e, frontier.map(representative), a);
  const vid = versionId(fingerprint(e), e.times.lastModification, true);
  writeMergeParents(e, vid, frontier.flatMap((h) => h.parents ?? [h.vid]));
  return { entry: e, vid, conflictKeys, record };
}

/**
 * When a value was set: the earliest version anyone knows, beyond what every
 * frontier version shares, that holds it (so a value carried forward keeps
 * the time of the edit that made it, and a later copy of the same value does
 * not make it newer); if only shared versions hold it, the earliest of those.
 */
function sourceOf(token: Token, key: string, common: Set<string>, a: Analysis, o: EntryMergeOptions): { time: number; vid: string } {
  // Ranked: a user's version beyond the shared ones, then a shared one, then a merge version (which sets nothing).
  const rank = (vid: string, entry: Entry) => (mergeParents(entry, vid) ? 2 : common.has(vid) ? 1 : 0);
  let best: (Version & { rank: number }) | undefined;
  for (const [vid, entry] of a.known) {
    if (!entry || o.tokens.of(entry, key) !== token) continue;
    const v = { vid, entry, rank: rank(vid, entry) };
    if (!best || v.rank < best.rank || (v.rank === best.rank && laterVersion(best, v))) best = v;
  }
  return { time: time(best!.entry), vid: best!.vid };
}

const hashes = new Map<string, string>();
function valueHash(t: Token): string {
  const k = t ?? '\u0000absent';
  let h = hashes.get(k);
  if (!h) {
    h = createHash('sha256').update(k).digest('hex');
    if (hashes.size > 10_000) hashes.clear();
    hashes.set(k, h);
  }
  return h;
}

function compareHashes(x: Token, y: Token): number {
  const a = valueHash(x);
  const b = valueHash(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every version any copy holds (merge versions only where someone edited on
 * them), plus the versions a conflict record points at; then the limits.
 */
function mergedHistory(a: Analysis, ids: VersionIds, currentVid: string, record: ConflictRecord, limits: HistoryLimits): Entry[] {
  const pool = new Map<string, Entry>();
  const add = (vid: string, entry: Entry) => {
    if (vid !== currentVid && !pool.has(vid)) pool.set(vid, entry);
  };
  for (const h of a.heads) {
    for (const c of h.copies) {
      for (const x of c.entry.history) add(ids.vid(x), x);
      if (!h.parents) add(h.vid, c.entry);
    }
  }
  const keep = new Set<string>();
  for (const vids of record.values()) {
    for (const vid of vids) {
      keep.add(vid);
      const entry = a.known.get(vid);
      if (entry) add(vid, entry);
    }
  }
  const versions: Version[] = [...pool].map(([vid, entry]) => ({ vid, entry }));
  return historyItems(limitHistory(versions, limits, keep));
}
