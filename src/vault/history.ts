/**
 * An entry's versions as the user sees them, and the edits that move between
 * them: listing (`stv history`), reading one (`show --version N`), making one
 * current (`restore`), and settling a merge conflict (`resolve`). Version 0
 * is the current one; 1 is the newest in history, 2 the one before, and so on.
 * A restore or a resolve is a new version: it dominates every copy of the
 * conflict it settles, so the next sync carries the settlement everywhere.
 */
import { NotFoundError, UsageError } from '../errors/index.js';
import type { Database } from './model/database.js';
import type { Entry } from './model/entry.js';
import { Tokens, addFieldKeys, copyField, differingFields, fieldLabel, printable } from './merge/fields.js';
import { entryVersionId } from './merge/fingerprint.js';
import { DELETED_FIELD, hasConflict, readConflict } from './merge/records.js';

export interface VersionSummary {
  /** 0: current; 1: the newest in history; … */
  n: number;
  modified: string;
  /** Fields in which this version differs from the current one. */
  differs: string[];
  /** This version holds a value that lost a merge conflict that is not settled yet. */
  conflictSide: boolean;
}

export function versionAt(e: Entry, n: number): Entry {
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`version must be 0 (current) or a history number from 'stv history', not '${n}'`);
  if (n === 0) return e;
  const v = e.history[e.history.length - n];
  if (!v) throw new NotFoundError(`'${e.path()}' has ${e.history.length} version(s) in history; see 'stv history ${e.path()}'`);
  return v;
}

export function listVersions(e: Entry): VersionSummary[] {
  const sides = conflictVids(e);
  const tokens = new Tokens();
  const out: VersionSummary[] = [{ n: 0, modified: e.times.lastModification.toISOString(), differs: [], conflictSide: false }];
  for (let n = 1; n <= e.history.length; n++) {
    const v = versionAt(e, n);
    out.push({
      n,
      modified: v.times.lastModification.toISOString(),
      differs: differingFields(e, v, tokens).map(fieldLabel),
      conflictSide: sides.has(entryVersionId(v)),
    });
  }
  return out;
}

function conflictVids(e: Entry): Set<string> {
  const out = new Set<string>();
  for (const vids of readConflict(e).values()) for (const v of vids) out.add(v);
  return out;
}

/** Give `dst` the content of `src`: every field, attachment, tag and setting (not history, times or place). */
function copyContent(dst: Entry, src: Entry): void {
  const keys = new Set<string>();
  addFieldKeys(dst, keys);
  addFieldKeys(src, keys);
  for (const k of keys) copyField(dst, src, k);
}

/**
 * A new version, never at the same second as the one before it: a settlement
 * that kept the content must still be a version the conflicted copies lack.
 */
function commitNew(db: Database, e: Entry, change: (x: Entry) => void): void {
  const previous = e.times.lastModification.getTime();
  db.updateEntry(e, change);
  if (e.times.lastModification.getTime() <= previous) e.times.lastModification = new Date(Math.floor(previous / 1000) * 1000 + 1000);
}

/** Version `n` becomes current as a new version; the old current goes into history. */
export function restoreVersion(db: Database, e: Entry, n: number): void {
  if (n === 0) throw new UsageError(`version 0 is already current; give a number from 'stv history ${e.path()}'`);
  const v = versionAt(e, n).clone(false);
  commitNew(db, e, (x) => copyContent(x, v));
  v.wipe();
}

/** Settle a conflict: keep the current content (or version `n`'s) as a new version without the tag and record. */
export function resolveConflict(db: Database, e: Entry, keep: 'current' | number = 'current'): void {
  if (!hasConflict(e)) throw new UsageError(`'${e.path()}' has no conflict to resolve; 'stv conflicts' lists those that do`);
  if (keep === 'current' || keep === 0) commitNew(db, e, () => undefined);
  else restoreVersion(db, e, keep);
}

export interface ConflictValue {
  /** The history number of the version holding it (0: current). */
  version: number;
  modified: string;
  value: string;
}

export interface ConflictField {
  field: string;
  current: string;
  others: ConflictValue[];
}

export interface ConflictView {
  uuid: string;
  path: string;
  /** An edit here outlived a deletion elsewhere. */
  deletedElsewhere: boolean;
  fields: ConflictField[];
}

/** Every entry tagged or recorded as conflicted, with each side's value of each field (protected values never shown). */
export function listConflicts(db: Database): ConflictView[] {
  const out: ConflictView[] = [];
  const tokens = new Tokens();
  for (const e of db.entries()) {
    if (!hasConflict(e)) continue;
    const record = readConflict(e);
    const byVid = new Map<string, number>();
    for (let n = 1; n <= e.history.length; n++) byVid.set(entryVersionId(versionAt(e, n)), n);
    const fields: ConflictField[] = [];
    for (const [key, vids] of [...record].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (key === DELETED_FIELD) continue;
      const others: ConflictValue[] = [];
      for (const vid of [...vids].sort()) {
        const n = byVid.get(vid);
        if (n === undefined) continue;
        const v = versionAt(e, n);
        const changed = tokens.of(v, key) !== tokens.of(e, key);
        others.push({ version: n, modified: v.times.lastModification.toISOString(), value: changed ? showValue(v, key, true) : '(same as current)' });
      }
      fields.push({ field: fieldLabel(key), current: showValue(e, key, false), others });
    }
    out.push({ uuid: e.uuid, path: e.path(), deletedElsewhere: record.has(DELETED_FIELD), fields });
  }
  return out;
}

/** A field's value for a listing: protected values only as "changed", other text with control characters escaped. */
function showValue(e: Entry, key: string, other: boolean): string {
  const name = key.slice(2);
  switch (key.slice(0, 2)) {
    case 's:': {
      const v = e.fields.get(name);
      if (v === undefined) return '(none)';
      if (typeof v !== 'string') return other ? '(protected: changed)' : '(protected)';
      return printable(v);
    }
    case 'a:': {
      const a = e.hasAttachments ? e.attachments.get(name) : undefined;
      return a ? `${a.data.length} bytes` : '(none)';
    }
    case 't:':
      return e.tags.includes(name) ? 'present' : 'absent';
    case 'c:': {
      const c = e.hasCustomData ? e.customData.get(name) : undefined;
      return c ? printable(c.value) : '(none)';
    }
  }
  switch (key) {
    case 'icon': return String(e.iconId);
    case 'fg': return printable(e.foregroundColor) || '(none)';
    case 'bg': return printable(e.backgroundColor) || '(none)';
    case 'ourl': return printable(e.overrideUrl) || '(none)';
    case 'qc': return String(e.qualityCheck);
    case 'exp': return e.times.expires ? e.times.expiry.toISOString() : 'never';
  }
  return other ? '(changed)' : '(current)';
}
