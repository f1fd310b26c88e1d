/**
 * Merging copies of one vault so that no edit is lost and every order of
 * merging gives one answer: `mergeCopies` takes n copies (each with the last
 * converged state it descends from, when known) and returns one database.
 * The rules are in docs/merge.md; each part lives in its file:
 * versions.ts (which version knows which), entries.ts (per-field merge),
 * deletions.ts (what a deletion removes), groups.ts, meta.ts, history.ts.
 */
import type { Database } from '../model/database.js';
import { nowSeconds } from '../model/times.js';
import { mergeGroupsAndEntries } from './tree.js';

export interface MergeInput {
  /** A copy's current content. */
  db: Database;
  /** The last converged state this copy descends from (sync has it; `stv merge` does not). */
  base?: Database;
  /** 'local', a stick label, a file name — for reports. */
  label: string;
}

export type ChangeKind =
  | 'added' | 'updated' | 'deleted' | 'moved' | 'conflict' | 'kept' | 'history'
  | 'group-added' | 'group-updated' | 'group-moved' | 'group-deleted' | 'group-kept'
  | 'meta' | 'deletions';

/** One thing the result changed relative to the first input. Field names, never values. */
export interface Change {
  kind: ChangeKind;
  uuid: string;
  path: string;
  detail?: string;
}

export interface ConflictSide {
  /** The inputs that held this side. */
  labels: string[];
  /** Its modification time (for a deletion: when it was deleted), ISO-8601. */
  modified: string;
  /** The conflicting fields whose value from this side is now current. */
  current: string[];
  deleted?: boolean;
}

/** A real conflict this merge found: which fields, and where each side came from — never the values. */
export interface FieldConflict {
  uuid: string;
  path: string;
  fields: string[];
  sides: ConflictSide[];
}

export interface MergeResult {
  /** The merged database: inputs[0].db, changed in place (entry objects keep their identity). */
  db: Database;
  changes: Change[];
  conflicts: FieldConflict[];
  /** Per input: does the result differ from it in any way that is saved (content, history, tags, records, DeletedObjects, Meta)? */
  differs: boolean[];
}

/**
 * Merge `inputs` into `inputs[0].db` (which becomes the result; the other
 * inputs are read, never changed, and may be closed afterwards). The result
 * is the same for any order of `inputs`, up to the order of children within
 * a group and other bytes that say nothing (see docs/merge.md).
 */
export function mergeCopies(inputs: MergeInput[], o: { now?: Date } = {}): MergeResult {
  if (!inputs.length) throw new Error('mergeCopies needs at least one input');
  const now = o.now ? new Date(Math.floor(o.now.getTime() / 1000) * 1000) : nowSeconds();
  return mergeGroupsAndEntries(inputs, now);
}

export { CONFLICT_TAG, CONFLICT_KEY, readConflict, hasConflict, clearMergeRecords, type ConflictRecord } from './records.js';
export { fingerprint, entryVersionId, surelySameContent } from './fingerprint.js';
export { fieldLabel, differingFields } from './fields.js';
export { sameEntryState } from './state.js';
